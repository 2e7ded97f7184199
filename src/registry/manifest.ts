import { type JsonField, parseJsonDocument } from './json.js';
import {
  baseMediaType,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
  OCI_ARTIFACT_MANIFEST,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';
import { digestProblem, showInput } from './reference.js';

/** Largest manifest regql reads; the transport stops reading beyond it. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The platform an index entry (or an image config) is built for. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

/** An OCI/Docker content descriptor: what a manifest says about a blob or manifest it references. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
}

/** What every manifest kind has. */
interface ManifestBase {
  /** Effective media type, without parameters. */
  mediaType: string;
  schemaVersion: number;
  /** As given by the caller (Docker-Content-Digest or the digest it was fetched by); not verified here. */
  digest: string;
  /** Bytes of `raw`. */
  size: number;
  /** The manifest exactly as served (decoded UTF-8). */
  raw: string;
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

/** Docker v2 schema 2 or OCI image manifest (also OCI 1.1 artifacts carried in an image manifest). */
export interface ImageManifest extends ManifestBase {
  kind: 'image';
  format: 'docker' | 'oci';
  config: Descriptor;
  layers: Descriptor[];
  /** The `artifactType` field as written; see effectiveArtifactType for the OCI 1.1 default. */
  artifactType?: string;
}

/** Docker manifest list or OCI image index. */
export interface IndexManifest extends ManifestBase {
  kind: 'index';
  format: 'docker' | 'oci';
  manifests: Descriptor[];
  artifactType?: string;
}

/** OCI artifact manifest (`application/vnd.oci.artifact.manifest.v1+json`, OCI 1.1 release candidates). */
export interface ArtifactManifest extends ManifestBase {
  kind: 'artifact';
  artifactType: string;
  blobs: Descriptor[];
}

/** Legacy Docker schema 1 manifest, signed (JWS) or not. */
export interface Schema1Manifest extends ManifestBase {
  kind: 'schema1';
  signed: boolean;
  name: string;
  tag?: string;
  architecture?: string;
  /** Layer blob digests (`fsLayers[].blobSum`), base layer last as in the document. */
  fsLayers: string[];
  history: { v1Compatibility: string }[];
}

/** Any manifest regql understands. */
export type Manifest = ImageManifest | IndexManifest | ArtifactManifest | Schema1Manifest;

/** Kind and format of each manifest media type regql parses. */
const KINDS: ReadonlyMap<string, { kind: Manifest['kind']; format: 'docker' | 'oci' }> = new Map([
  [DOCKER_MANIFEST_V2, { kind: 'image', format: 'docker' }],
  [OCI_MANIFEST, { kind: 'image', format: 'oci' }],
  [DOCKER_MANIFEST_LIST, { kind: 'index', format: 'docker' }],
  [OCI_INDEX, { kind: 'index', format: 'oci' }],
  [OCI_ARTIFACT_MANIFEST, { kind: 'artifact', format: 'oci' }],
  [DOCKER_MANIFEST_V1, { kind: 'schema1', format: 'docker' }],
  [DOCKER_MANIFEST_V1_SIGNED, { kind: 'schema1', format: 'docker' }],
]);

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Parses a manifest served with `contentType`. The kind comes from the Content-Type; when it is
 * missing, generic or unknown, from the body (`mediaType`, else `schemaVersion` and shape).
 * Strict: any ill-typed field is UPSTREAM_ERROR "invalid manifest: …"; oversize is INTEGRITY_ERROR.
 * `digest` is recorded as given, not verified (see manifestDigestInput and verifyDigest).
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | null | undefined,
  digest: string,
): Manifest {
  const { raw, root } = parseJsonDocument(bytes, 'manifest', MAX_MANIFEST_BYTES);
  const problem = digestProblem(digest);
  if (problem !== undefined) root.fail(problem);
  const mediaType = manifestMediaType(root, baseMediaType(contentType));
  const { kind, format } = KINDS.get(mediaType)!;
  const annotations = root.field('annotations').optional((f) => f.stringMap());
  const subject = root.field('subject').optional(parseDescriptor);
  const size = bytes.byteLength;
  // each object literal names all its fields: an object spread followed by more properties is
  // slow on Node 20, and this runs for every manifest read
  switch (kind) {
    case 'image':
      return {
        mediaType,
        digest,
        size,
        raw,
        annotations,
        subject,
        kind,
        format,
        schemaVersion: schemaVersion(root, 2),
        config: parseDescriptor(root.field('config')),
        layers: root.field('layers').items().map(parseDescriptor),
        artifactType: root.field('artifactType').optional((f) => f.nonEmptyString()),
      };
    case 'index':
      return {
        mediaType,
        digest,
        size,
        raw,
        annotations,
        subject,
        kind,
        format,
        schemaVersion: schemaVersion(root, 2),
        manifests: root.field('manifests').items().map(parseDescriptor),
        artifactType: root.field('artifactType').optional((f) => f.nonEmptyString()),
      };
    case 'artifact':
      return {
        mediaType,
        digest,
        size,
        raw,
        annotations,
        subject,
        kind,
        schemaVersion: root.field('schemaVersion').optional((f) => f.integer()) ?? 2,
        artifactType: root.field('artifactType').nonEmptyString(),
        blobs: root.field('blobs').optional((f) => f.items().map(parseDescriptor)) ?? [],
      };
    case 'schema1':
      return parseSchema1(root, { mediaType, digest, size, raw, annotations, subject });
  }
}

/** The effective media type: a known Content-Type (which the body must not contradict), else from the body. */
function manifestMediaType(root: JsonField, contentType: string): string {
  const declared = root.field('mediaType').optional((f) => baseMediaType(f.string()));
  if (KINDS.has(contentType)) {
    const bothSchema1 = KINDS.get(declared ?? '')?.kind === 'schema1' && isSchema1(contentType);
    if (declared !== undefined && declared !== contentType && !bothSchema1) {
      root.fail(`body mediaType ${showInput(declared)} contradicts Content-Type ${contentType}`);
    }
    return contentType;
  }
  if (declared !== undefined) {
    return KINDS.has(declared)
      ? declared
      : root.fail(`unsupported mediaType ${showInput(declared)}`);
  }
  const version = root.field('schemaVersion').value;
  if (version === 1) {
    return root.field('signatures').absent ? DOCKER_MANIFEST_V1 : DOCKER_MANIFEST_V1_SIGNED;
  }
  if (version === 2 && !root.field('manifests').absent) return OCI_INDEX;
  if (version === 2 && !root.field('config').absent && !root.field('layers').absent) {
    return OCI_MANIFEST;
  }
  const served = contentType === '' ? 'no Content-Type' : `Content-Type ${showInput(contentType)}`;
  return root.fail(`cannot tell its kind from ${served} or from the body`);
}

/** True for both schema 1 media types. */
function isSchema1(mediaType: string): boolean {
  return mediaType === DOCKER_MANIFEST_V1 || mediaType === DOCKER_MANIFEST_V1_SIGNED;
}

/** The document's `schemaVersion`, which must be `expected`. */
function schemaVersion(root: JsonField, expected: number): number {
  const field = root.field('schemaVersion');
  return field.integer() === expected ? expected : field.expected(String(expected));
}

/** A descriptor: mediaType, digest and size required; the rest optional. */
function parseDescriptor(field: JsonField): Descriptor {
  field.object();
  return {
    mediaType: field.field('mediaType').nonEmptyString(),
    digest: field.field('digest').digest(),
    size: field.field('size').size(),
    urls: field.field('urls').optional((f) => f.stringArray()),
    annotations: field.field('annotations').optional((f) => f.stringMap()),
    artifactType: field.field('artifactType').optional((f) => f.nonEmptyString()),
    platform: field.field('platform').optional(parsePlatform),
  };
}

/** A descriptor's platform: os and architecture required. */
function parsePlatform(field: JsonField): Platform {
  field.object();
  return {
    os: field.field('os').nonEmptyString(),
    architecture: field.field('architecture').nonEmptyString(),
    variant: field.field('variant').optional((f) => f.string()),
    osVersion: field.field('os.version').optional((f) => f.string()),
    osFeatures: field.field('os.features').optional((f) => f.stringArray()),
  };
}

/** A schema 1 manifest; signed ones must carry signatures, and history must pair with fsLayers. */
function parseSchema1(
  root: JsonField,
  base: Omit<
    Schema1Manifest,
    'kind' | 'signed' | 'schemaVersion' | 'name' | 'fsLayers' | 'history'
  >,
): Schema1Manifest {
  const signed = !root.field('signatures').absent;
  if (signed) signatureBlocks(root);
  else if (base.mediaType === DOCKER_MANIFEST_V1_SIGNED) root.field('signatures').expected('set');
  const fsLayers = root.field('fsLayers').items();
  const history = root.field('history').items();
  if (history.length !== fsLayers.length) {
    root.fail(`history has ${history.length} entries for ${fsLayers.length} fsLayers`);
  }
  return {
    ...base,
    kind: 'schema1',
    schemaVersion: schemaVersion(root, 1),
    signed,
    name: root.field('name').nonEmptyString(),
    tag: root.field('tag').optional((f) => f.string()),
    architecture: root.field('architecture').optional((f) => f.string()),
    fsLayers: fsLayers.map((layer) => layer.field('blobSum').digest()),
    history: history.map((entry) => ({ v1Compatibility: entry.field('v1Compatibility').string() })),
  };
}

/** The non-empty `signatures` array of a signed schema 1 manifest. */
function signatureBlocks(root: JsonField): JsonField[] {
  const blocks = root.field('signatures').items();
  return blocks.length > 0 ? blocks : root.field('signatures').expected('a non-empty array');
}

/**
 * The bytes a manifest's digest is computed over. For a signed schema 1 manifest that is the
 * JWS payload, rebuilt as libtrust does: `bytes[0:formatLength] + base64url(formatTail)` from
 * the first signature's protected header; for every other manifest the bytes unchanged.
 */
export function manifestDigestInput(bytes: Uint8Array, mediaType: string): Uint8Array {
  const type = baseMediaType(mediaType);
  if (!isSchema1(type)) return bytes;
  const { root } = parseJsonDocument(bytes, 'manifest', MAX_MANIFEST_BYTES);
  if (root.field('signatures').absent) {
    return type === DOCKER_MANIFEST_V1_SIGNED ? root.field('signatures').expected('set') : bytes;
  }
  const [first] = signatureBlocks(root);
  const header = base64url(first!.field('protected'));
  const { root: protectedHeader } = parseJsonDocument(
    header,
    'manifest signature header',
    MAX_MANIFEST_BYTES,
  );
  const formatLength = protectedHeader.field('formatLength').size();
  if (formatLength > bytes.byteLength) {
    protectedHeader.fail(
      `formatLength ${formatLength} exceeds the manifest's ${bytes.byteLength} bytes`,
    );
  }
  const tail = base64url(protectedHeader.field('formatTail'));
  return Buffer.concat([bytes.subarray(0, formatLength), tail]);
}

/** Decodes a base64url (JOSE, padding optional) string field. */
function base64url(field: JsonField): Uint8Array {
  const text = field.string();
  if (!BASE64URL.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    field.expected('base64url');
  }
  return Buffer.from(text, 'base64url');
}

/**
 * The blobs and manifests a manifest depends on: config then layers of an image, the entries
 * of an index, the blobs of an artifact. Never the subject (a reference, not content). Schema 1
 * gives [] because its fsLayers have no size or media type; use `fsLayers` for those digests.
 */
export function manifestDescriptors(manifest: Manifest): Descriptor[] {
  switch (manifest.kind) {
    case 'image':
      return [manifest.config, ...manifest.layers];
    case 'index':
      return manifest.manifests;
    case 'artifact':
      return manifest.blobs;
    case 'schema1':
      return [];
  }
}

/**
 * The artifact type a manifest reports in a referrers list (OCI 1.1): its `artifactType`, and
 * for an image manifest without one its config media type unless that is the empty type.
 */
export function effectiveArtifactType(manifest: Manifest): string | undefined {
  switch (manifest.kind) {
    case 'image':
      return (
        manifest.artifactType ??
        (manifest.config.mediaType === OCI_EMPTY ? undefined : manifest.config.mediaType)
      );
    case 'index':
    case 'artifact':
      return manifest.artifactType;
    case 'schema1':
      return undefined;
  }
}

/** The platform wanted from an index. */
export interface PlatformWanted {
  os: string;
  architecture: string;
  variant?: string;
}

/**
 * The index entry for a platform: exact os and architecture; a given variant must match
 * (arm64 without variant counts as v8); without one, the entry without variant wins, else the first.
 * Entries without a platform never match.
 */
export function matchPlatform(
  manifests: Descriptor[],
  want: PlatformWanted,
): Descriptor | undefined {
  const candidates = manifests.filter(
    (m) => m.platform?.os === want.os && m.platform.architecture === want.architecture,
  );
  if (want.variant) {
    const variant = normalizedVariant(want.architecture, want.variant);
    return candidates.find(
      (m) => normalizedVariant(want.architecture, m.platform?.variant) === variant,
    );
  }
  return candidates.find((m) => !m.platform?.variant) ?? candidates[0];
}

/** The variant with the arm64 default (`v8`) filled in. */
function normalizedVariant(architecture: string, variant: string | undefined): string | undefined {
  return variant || (architecture === 'arm64' ? 'v8' : undefined);
}
