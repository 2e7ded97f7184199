import { RegistryError } from './errors.js';

/** Docker image manifest v2, schema 2. */
export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
/** Docker manifest list ("fat manifest"). */
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** Legacy Docker image manifest, schema 1, unsigned. */
export const DOCKER_MANIFEST_V1 = 'application/vnd.docker.distribution.manifest.v1+json';
/** Legacy Docker image manifest, schema 1, signed with JWS. */
export const DOCKER_MANIFEST_V1_SIGNED =
  'application/vnd.docker.distribution.manifest.v1+prettyjws';
/** Docker image config. */
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
/** Docker gzip layer. */
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** Docker foreign (non-distributable) gzip layer. */
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
/** OCI image manifest. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** OCI image index. */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** OCI artifact manifest (OCI 1.1 release candidates; dropped from 1.1 final but still served). */
export const OCI_ARTIFACT_MANIFEST = 'application/vnd.oci.artifact.manifest.v1+json';
/** OCI image config. */
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** OCI empty descriptor content (`{}`), used as config of artifacts. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
/** OCI gzip layer. */
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** Manifest media types regql understands, in order of preference; schema 1 comes last. */
export const MANIFEST_MEDIA_TYPES = [
  OCI_INDEX,
  DOCKER_MANIFEST_LIST,
  OCI_MANIFEST,
  DOCKER_MANIFEST_V2,
  OCI_ARTIFACT_MANIFEST,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V1,
] as const;

/**
 * The Accept header for every manifest GET and HEAD. Without it registry 2.8 converts
 * to a signed schema 1 manifest with another digest; schema 1 gets a lower q.
 */
export const MANIFEST_ACCEPT = [
  OCI_INDEX,
  DOCKER_MANIFEST_LIST,
  OCI_MANIFEST,
  DOCKER_MANIFEST_V2,
  OCI_ARTIFACT_MANIFEST,
  `${DOCKER_MANIFEST_V1_SIGNED};q=0.5`,
  `${DOCKER_MANIFEST_V1};q=0.5`,
].join(', ');

/** The media type without parameters, lower-cased: `a/b; charset=x` → `a/b`. */
export function baseMediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** Checks a concrete media type (`type/subtype`, no wildcards or parameters); BAD_USER_INPUT otherwise. */
export function validateMediaType(value: string, what = 'media type'): string {
  // RFC 6838: each name starts with a letter or digit
  if (!/^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}$/.test(value)) {
    throw new RegistryError('BAD_USER_INPUT', `not a ${what}: ${value.slice(0, 100)}`);
  }
  return value;
}

/** True for media types that are manifests regql can parse. */
export function isManifestMediaType(mediaType: string): boolean {
  return (MANIFEST_MEDIA_TYPES as readonly string[]).includes(baseMediaType(mediaType));
}
