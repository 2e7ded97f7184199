import type { Context } from '../../context.js';
import { isRegistryError } from '../../registry/errors.js';
import { builder } from '../builder.js';
import { NegotiatedManifestRef, RateLimitRef, RegistryInfoRef } from '../refs.js';

/** The ping of this request, or undefined when the registry cannot be reached. */
async function reachablePing(context: Context) {
  try {
    return await context.loaders.ping();
  } catch (error) {
    if (isRegistryError(error, 'UPSTREAM_ERROR')) return undefined;
    throw error;
  }
}

RegistryInfoRef.implement({
  fields: (t) => ({
    url: t.string({ resolve: (_info, _args, { config }) => config.registryUrl }),
    reachable: t.boolean({
      resolve: async (_info, _args, context) => (await reachablePing(context)) !== undefined,
    }),
    apiVersion: t.string({
      nullable: true,
      description: 'Docker-Distribution-Api-Version, e.g. registry/2.0',
      resolve: async (_info, _args, context) => (await reachablePing(context))?.apiVersion ?? null,
    }),
    authScheme: t.string({
      description: 'none, basic or bearer',
      resolve: async (_info, _args, context) =>
        (await reachablePing(context))?.authScheme ?? 'none',
    }),
    rateLimit: t.field({
      type: RateLimitRef,
      nullable: true,
      description:
        'from RateLimit-Limit / RateLimit-Remaining headers, when the registry sends them',
      resolve: async (_info, _args, context) => (await reachablePing(context))?.rateLimit ?? null,
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
    resolve: (_root, { repository, reference, accept }, { client }) =>
      client.manifests.negotiate(repository, reference, accept ?? undefined),
  }),
}));
