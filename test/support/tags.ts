import { DOCKER_MANIFEST_V2, OCI_INDEX, OCI_MANIFEST } from '../../src/registry/media-types.js';
import { TagDetailsDocument } from '../generated/graphql.js';
import { authorization } from '../harness/auth.js';
import { pushImage } from '../harness/fixtures.js';
import type { RegistryInfo } from '../harness/types.js';
import type { TestGateway } from './gateway.js';

/**
 * Puts the manifest that `repository:from` names onto each of `tags` as well, byte for byte, with
 * plain HTTP (not regql). One tag after another: registry 2.8 sometimes answers 500 while other
 * tags of the same repository are being written.
 */
export async function tagAlso(
  registry: RegistryInfo,
  repository: string,
  from: string,
  tags: readonly string[],
): Promise<void> {
  const auth = await authorization(registry, [`repository:${repository}:pull,push`]);
  const url = (reference: string) => `${registry.url}/v2/${repository}/manifests/${reference}`;
  const source = await fetch(url(from), {
    headers: { ...auth, accept: [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_V2].join(', ') },
  });
  if (!source.ok) throw new Error(`GET ${repository}:${from} answered ${source.status}`);
  const mediaType = source.headers.get('content-type') ?? OCI_MANIFEST;
  const body = new Uint8Array(await source.arrayBuffer());
  for (const tag of tags) {
    const put = await fetch(url(tag), {
      method: 'PUT',
      headers: { ...auth, 'content-type': mediaType },
      body,
    });
    if (put.status !== 201) {
      throw new Error(`PUT ${repository}:${tag} answered ${put.status}: ${await put.text()}`);
    }
  }
}

/**
 * Pushes an image as `repository:tag`, reads the tag through `gw` (which caches what it saw),
 * then pushes another image onto the tag behind the gateway's back.
 */
export async function readThenMove(
  gw: TestGateway,
  registry: RegistryInfo,
  repository: string,
  tag = 'v1',
) {
  const first = await pushImage(registry, repository, tag);
  const cold = await gw.execute(TagDetailsDocument, { repository, tag });
  const moved = await pushImage(registry, repository, tag);
  if (moved.digest === first.digest) throw new Error('the second push made the same image');
  return { first, cold, moved };
}
