import DataLoader from 'dataloader';
import type { BlobInfo } from '../registry/blobs.js';
import type { RegistryClient, RegistryPing } from '../registry/client.js';
import { isRegistryError } from '../registry/errors.js';
import { type ImageConfig, parseImageConfig } from '../registry/image-config.js';
import { type Descriptor, type Manifest, matchPlatform } from '../registry/manifest.js';
import { isDigest } from '../registry/reference.js';
import { type AccessCheck, TRUSTED } from './access.js';
import type { DigestCache } from './cache.js';

/** A repository and a reference in it (a tag or a digest). */
export interface ManifestKey {
  repository: string;
  reference: string;
}

/** A repository and a digest in it. */
export interface DigestKey {
  repository: string;
  digest: string;
}

/** A manifest's referrers, optionally of one artifact type. */
export interface ReferrersKey extends DigestKey {
  artifactType?: string;
}

/** The per-request loaders: each distinct upstream object is asked for once per request. */
export interface Loaders {
  /** Manifests by tag or digest. */
  manifest: DataLoader<ManifestKey, Manifest, string>;
  /** Image configs by digest. */
  config: DataLoader<DigestKey, ImageConfig, string>;
  /** Every tag of a repository, sorted. */
  tags: DataLoader<string, string[]>;
  /**
   * Whether a repository exists: it has a tag list (one page of one name: cheaper than `tags`),
   * or else the catalog lists it (it holds only blobs, or every tag was deleted).
   */
  exists: DataLoader<string, boolean>;
  /** Blob HEADs. */
  blob: DataLoader<DigestKey, BlobInfo, string>;
  /** Referrers of a manifest. */
  referrers: DataLoader<ReferrersKey, Descriptor[], string>;
  /** `GET /v2/`, at most once per request. */
  ping(): Promise<RegistryPing>;
}

/**
 * Runs `load` for every key of a batch and hands DataLoader each key's own promise, which its
 * `load` adopts: a key settles when its request does (one failure fails that key only), not when
 * the slowest key of the batch does. A key's @defer part, or the config fetch that follows its
 * manifest, need not wait for the other 999 manifests of the batch.
 */
function each<K, V>(load: (key: K) => Promise<V>) {
  // DataLoader resolves each key with its value; a promise value is adopted as it settles
  return (keys: readonly K[]) => Promise.resolve(keys.map(load) as unknown as V[]);
}

/**
 * Creates the loaders of one request. Digest-addressed manifests and configs come from the shared
 * cache (either tier: in-process, else Redis) when present, behind the same access check. A tag
 * costs one request either way: a GET (body and digest at once), made conditional on the tag's
 * last digest when that manifest is cached (a 304 without a body confirms it); none while the
 * registry's last answer for it is younger than the tag TTL (TAG_TTL_MS, off by default) or, with
 * registry events, until an event for its repository (REGISTRY_EVENTS_TOKEN, off by default).
 */
export function createLoaders(
  client: RegistryClient,
  cache: DigestCache,
  access: AccessCheck = TRUSTED,
): Loaders {
  const manifestKey = (k: ManifestKey) => `${k.repository}|${k.reference}`;
  const digestKey = (k: DigestKey) => `${k.repository}@${k.digest}`;

  const byDigest = async (repository: string, digest: string): Promise<Manifest> => {
    const cached = await cache.manifest(repository, digest);
    if (cached) {
      await access.ensure(repository, () => client.manifests.head(repository, digest));
      return cached;
    }
    const manifest = await client.manifests.get(repository, digest);
    cache.addManifest(repository, manifest);
    access.confirm(repository);
    return manifest;
  };

  const byTag = async (repository: string, tag: string): Promise<Manifest> => {
    // before anything is asked: a registry event that comes later makes this answer not fresh
    const asOf = cache.tagMark();
    const fresh = cache.freshTag(repository, tag);
    if (fresh) {
      // the registry named this digest within the tag TTL, and no registry event for the
      // repository came since: no request for the tag itself
      try {
        const manifest = await byDigest(repository, fresh);
        manifests.prime({ repository, reference: fresh }, manifest);
        return manifest;
      } catch (error) {
        // deleted since: ask the registry what the tag names now
        if (!isRegistryError(error, 'NOT_FOUND')) throw error;
        cache.forgetTag(repository, tag);
      }
    }
    const hint = await cache.tagHint(repository, tag);
    // one request either way: a GET, conditional (304, no body) when the last digest is cached
    const answer =
      hint && (await cache.hasManifest(repository, hint))
        ? await client.manifests.revalidate(repository, tag, hint)
        : await client.manifests.get(repository, tag);
    access.confirm(repository);
    let manifest: Manifest;
    if (typeof answer === 'string') {
      manifest = await byDigest(repository, answer);
    } else {
      manifest = answer;
      cache.addManifest(repository, manifest);
    }
    cache.setTagHint(repository, tag, manifest.digest, asOf);
    manifests.prime({ repository, reference: manifest.digest }, manifest);
    return manifest;
  };

  const manifests = new DataLoader<ManifestKey, Manifest, string>(
    each(({ repository, reference }) =>
      isDigest(reference) ? byDigest(repository, reference) : byTag(repository, reference),
    ),
    { cacheKeyFn: manifestKey },
  );

  let ping: Promise<RegistryPing> | undefined;

  return {
    manifest: manifests,
    config: new DataLoader<DigestKey, ImageConfig, string>(
      each(async ({ repository, digest }) => {
        const limit = client.connection.maxConfigBytes;
        const cached = await cache.config(repository, digest, limit);
        if (cached) {
          await access.ensure(repository, () => client.blobs.head(repository, digest));
          return cached;
        }
        // the bytes, not just the parsed config, go to the shared store
        const bytes = await client.blobs.get(repository, digest, limit);
        const config = parseImageConfig(bytes, limit);
        cache.addConfig(repository, digest, config, bytes);
        access.confirm(repository);
        return config;
      }),
      { cacheKeyFn: digestKey },
    ),
    tags: new DataLoader<string, string[]>(each((repository) => client.tags.all(repository))),
    exists: new DataLoader<string, boolean>(
      each(
        async (repository) =>
          (await orNull(client.tags.page(repository, { n: 1 }))) !== null ||
          (await client.catalog.contains(repository)),
      ),
    ),
    blob: new DataLoader<DigestKey, BlobInfo, string>(
      each(({ repository, digest }) => client.blobs.head(repository, digest)),
      { cacheKeyFn: digestKey },
    ),
    referrers: new DataLoader<ReferrersKey, Descriptor[], string>(
      each(async ({ repository, digest, artifactType }) => {
        const result = await client.referrers.list(repository, digest, artifactType);
        return result.descriptors;
      }),
      { cacheKeyFn: (k) => `${digestKey(k)}|${k.artifactType ?? ''}` },
    ),
    ping: () => {
      ping ??= client.ping();
      return ping;
    },
  };
}

/** The value, or null when the registry says the object does not exist. */
export async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (isRegistryError(error, 'NOT_FOUND')) return null;
    throw error;
  }
}

/** What createdOf loads through: the manifest and config loaders, or anything that loads alike. */
export type CreatedLoaders = { [K in 'manifest' | 'config']: Pick<Loaders[K], 'load'> };

/** The platform whose created time stands for a multi-arch index: linux/amd64, else the first. */
const REPRESENTATIVE_PLATFORM = { os: 'linux', architecture: 'amd64' };

/**
 * When an image was created: its config's `created`; for an index, that of its linux/amd64 image
 * (else its first); for schema 1, the newest history entry. Undefined when unknown.
 */
export async function createdOf(
  loaders: CreatedLoaders,
  repository: string,
  manifest: Manifest,
): Promise<string | undefined> {
  switch (manifest.kind) {
    case 'image':
      return (await loaders.config.load({ repository, digest: manifest.config.digest })).created;
    case 'index': {
      const child =
        matchPlatform(manifest.manifests, REPRESENTATIVE_PLATFORM) ?? manifest.manifests[0];
      if (!child) return undefined;
      const image = await loaders.manifest.load({ repository, reference: child.digest });
      return image.kind === 'index' ? undefined : createdOf(loaders, repository, image);
    }
    case 'schema1':
      return schema1Created(manifest.history[0]?.v1Compatibility);
    case 'artifact':
      return manifest.annotations?.['org.opencontainers.image.created'];
  }
}

function schema1Created(v1Compatibility: string | undefined): string | undefined {
  try {
    const created = (JSON.parse(v1Compatibility ?? '{}') as { created?: unknown }).created;
    return typeof created === 'string' && !Number.isNaN(Date.parse(created)) ? created : undefined;
  } catch {
    return undefined;
  }
}
