import { pullScope } from './auth.js';
import type { RegistryClient } from './client.js';
import { digestOf } from './digest.js';
import { isRegistryError, RegistryError } from './errors.js';
import { header, readBody } from './http.js';
import { type Descriptor, MAX_MANIFEST_BYTES, type Manifest, parseManifest } from './manifest.js';
import { OCI_INDEX, validateMediaType } from './media-types.js';
import { parseDigest, validateDigest, validateRepository } from './reference.js';

/** The referrers of a manifest, and where they came from. */
export interface Referrers {
  descriptors: Descriptor[];
  /** `api`: the OCI 1.1 referrers API; `tag`: the `<alg>-<hex>` tag schema fallback. */
  source: 'api' | 'tag';
}

/** OCI 1.1 referrers: `GET /v2/<name>/referrers/<digest>`, or the tag schema where that is 404. */
export class ReferrersApi {
  constructor(private readonly client: RegistryClient) {}

  /** The manifests whose `subject` is `digest`, optionally only those of one artifactType. */
  async list(repository: string, digest: string, artifactType?: string): Promise<Referrers> {
    validateRepository(repository);
    validateDigest(digest);
    if (artifactType !== undefined) validateMediaType(artifactType, 'artifact type');
    const response = await this.client.request({
      method: 'GET',
      path: `/v2/${repository}/referrers/${digest}`,
      query: { artifactType },
      headers: { accept: OCI_INDEX },
      scopes: [pullScope(repository)],
      expect: [200, 404],
      what: `referrers of ${repository}@${digest}`,
    });
    if (response.status === 404) {
      await response.body.dump();
      return {
        descriptors: filter(await this.fromTag(repository, digest), artifactType),
        source: 'tag',
      };
    }
    const filtered = (header(response.headers, 'oci-filters-applied') ?? '').includes(
      'artifactType',
    );
    const bytes = await readBody(response, MAX_MANIFEST_BYTES, 'referrers');
    const index = parseManifest(bytes, OCI_INDEX, digestOf(bytes));
    const descriptors = indexEntries(index);
    return {
      descriptors: filtered ? descriptors : filter(descriptors, artifactType),
      source: 'api',
    };
  }

  /** The entries of the referrers tag's index; none when the tag does not exist. */
  private async fromTag(repository: string, digest: string): Promise<Descriptor[]> {
    try {
      return indexEntries(await this.client.manifests.get(repository, referrersTag(digest)));
    } catch (error) {
      if (isRegistryError(error, 'NOT_FOUND')) return [];
      throw error;
    }
  }
}

/** The OCI 1.1 referrers tag of a digest: `<alg>-<hex>`, the hex cut to 64 characters. */
export function referrersTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex.slice(0, 64)}`;
}

function indexEntries(manifest: Manifest): Descriptor[] {
  if (manifest.kind !== 'index') {
    throw new RegistryError('UPSTREAM_ERROR', 'the referrers list is not an image index');
  }
  return manifest.manifests;
}

function filter(descriptors: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType ? descriptors.filter((d) => d.artifactType === artifactType) : descriptors;
}
