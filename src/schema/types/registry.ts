import type { Context } from '../../context.js';
import type { RegistryPing } from '../../registry/client.js';
import { isRegistryError } from '../../registry/errors.js';
import { checkNegotiation } from '../../registry/manifests.js';
import { builder } from '../builder.js';
import { NegotiatedManifestRef, RateLimitRef, RegistryInfoRef } from '../refs.js';

/** What this request's ping found: no details when `GET /v2/` failed. */
interface PingResult {
  /** False when the registry is down, timed out, or answered 5xx or garbage. */
  reachable: boolean;
  ping?: RegistryPing;
}

/**
 * The ping of this request. It never fails: `registry` is what an operation falls back on when
 * everything else does, so a registry that refuses or cannot be reached is told by `reachable`.
 */
async function reachablePing(context: Context): Promise<PingResult> {
  try {
    return { reachable: true, ping: await context.loaders.ping() };
  } catch (error) {
    if (!isRegistryError(error)) throw error;
    // an answer that refuses (429, a token server's 401, ...) still came from the registry
    return { reachable: !isRegistryError(error, 'UPSTREAM_ERROR') };
  }
}

RegistryInfoRef.implement({
  fields: (t) => ({
    url: t.string({ resolve: (_info, _args, { config }) => config.registryUrl }),
    reachable: t.boolean({
      resolve: async (_info, _args, context) => (await reachablePing(context)).reachable,
    }),
    apiVersion: t.string({
      nullable: true,
      description: 'Docker-Distribution-Api-Version, e.g. registry/2.0',
      resolve: async (_info, _args, context) =>
        (await reachablePing(context)).ping?.apiVersion ?? null,
    }),
    authScheme: t.string({
      description: 'none, basic or bearer',
      resolve: async (_info, _args, context) =>
        (await reachablePing(context)).ping?.authScheme ?? 'none',
    }),
    rateLimit: t.field({
      type: RateLimitRef,
      nullable: true,
      description:
        'from RateLimit-Limit / RateLimit-Remaining headers, when the registry sends them',
      resolve: async (_info, _args, context) =>
        (await reachablePing(context)).ping?.rateLimit ?? null,
    }),
  }),
});

RateLimitRef.implement({
  fields: (t) => ({
    limit: t.int({ nullable: true, resolve: (r) => r.limit ?? null }),
    remaining: t.int({ nullable: true, resolve: (r) => r.remaining ?? null }),
    windowSeconds: t.int({ nullable: true, resolve: (r) => r.windowSeconds ?? null }),
  }),
});

NegotiatedManifestRef.implement({
  fields: (t) => ({
    accept: t.stringList({ resolve: (n) => n.accept }),
    status: t.exposeInt('status'),
    mediaType: t.string({ nullable: true, resolve: (n) => n.mediaType ?? null }),
    digest: t.field({ type: 'Digest', nullable: true, resolve: (n) => n.digest ?? null }),
    size: t.field({ type: 'SafeInt', nullable: true, resolve: (n) => n.size ?? null }),
    body: t.string({ nullable: true, resolve: (n) => n.body ?? null }),
  }),
});

builder.queryFields((t) => ({
  registry: t.field({ type: RegistryInfoRef, resolve: () => ({}) }),
  manifestNegotiation: t.field({
    type: NegotiatedManifestRef,
    description:
      'what the registry answers for a manifest under a given Accept list, untouched (for exploring content negotiation)',
    args: {
      repository: t.arg.string({ required: true }),
      reference: t.arg.string({ required: true }),
      accept: t.arg.stringList(),
    },
    extensions: {
      checkArgs: ({ repository, reference, accept }) =>
        checkNegotiation(repository, reference, accept),
    },
    resolve: (_root, { repository, reference, accept }, { client }) =>
      client.manifests.negotiate(repository, reference, accept ?? undefined),
  }),
}));
