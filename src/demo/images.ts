import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { pack } from 'tar-stream';
import { digestOf } from '../registry/digest.js';
import type { Descriptor } from '../registry/manifest.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST_V2,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from '../registry/media-types.js';

const gzip = promisify(gzipCallback);

/** Bytes to push and the descriptor that names them. */
export interface Content {
  bytes: Uint8Array;
  descriptor: Descriptor;
}

/** A manifest ready to push: the blobs it needs first (config, layers), then the manifest. */
export interface BuiltManifest {
  manifest: Content;
  blobs: Content[];
}

/** One file of a layer: its content, or its content and mode (default 0644). */
export type LayerFile = string | Uint8Array | { content: string | Uint8Array; mode: number };

/** A gzip tar layer built in memory. */
export interface BuiltLayer {
  /** The gzip-compressed tar, as pushed. */
  bytes: Uint8Array;
  /** Digest of `bytes` (the layer's blob digest). */
  digest: string;
  /** Digest of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: string;
}

/** The platform an image is built for. */
export interface ImagePlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One build step: a history entry, with the layer it made (steps without one are empty layers). */
export interface ImageStep {
  /** The instruction, e.g. `COPY app/ /app/` (history `created_by`). */
  createdBy: string;
  /** The layer this step made; without one the history entry is an `empty_layer`. */
  layer?: BuiltLayer;
  /** When the step ran (RFC 3339); default the image's `created`. */
  created?: string;
  /** History `comment`. */
  comment?: string;
}

/** What buildImage makes: format, platform, config settings and build steps. */
export interface ImageSpec {
  /** `oci` (default) or `docker` (Docker v2 schema 2 media types). */
  format?: 'oci' | 'docker';
  /** Default linux/amd64. */
  platform?: ImagePlatform;
  /** When the image was built (RFC 3339). */
  created: string;
  author?: string;
  user?: string;
  workingDir?: string;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  /** Like `8080/tcp`. */
  exposedPorts?: string[];
  labels?: Record<string, string>;
  /** In build order; the layers are those of the steps that have one. */
  steps: ImageStep[];
  /** Manifest annotations (OCI format only). */
  annotations?: Record<string, string>;
}

/** A built image: its manifest and blobs (config first), and the platform for an index entry. */
export interface BuiltImage extends BuiltManifest {
  platform: ImagePlatform;
}

/** What buildArtifact makes: an OCI 1.1 artifact (image manifest with the empty config). */
export interface ArtifactSpec {
  artifactType: string;
  /** The manifest the artifact refers to. */
  subject: Descriptor;
  /** Its content, each blob with its own media type. */
  blobs: { mediaType: string; bytes: Uint8Array; annotations?: Record<string, string> }[];
  annotations?: Record<string, string>;
}

/** Media types of each image format. */
const FORMATS = {
  oci: { manifest: OCI_MANIFEST, config: OCI_CONFIG, layer: OCI_LAYER_GZIP },
  docker: { manifest: DOCKER_MANIFEST_V2, config: DOCKER_CONFIG, layer: DOCKER_LAYER },
} as const;

/** Bytes and a descriptor for them. */
function content(mediaType: string, bytes: Uint8Array, extra: Partial<Descriptor> = {}): Content {
  return {
    bytes,
    descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length, ...extra },
  };
}

/** A JSON document (serialised compactly) as content. */
function jsonContent(mediaType: string, document: unknown): Content {
  return content(mediaType, Buffer.from(JSON.stringify(document)));
}

/** The folders above a path (`a/b/c` → `a/`, `a/b/`). */
function parentFolders(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('/')}/`);
}

/**
 * Builds a gzip tar layer in memory from `files` (path without a leading slash → content),
 * with a directory entry for every parent folder; the same files and mtime give the same digests.
 */
export async function buildLayer(
  files: Record<string, LayerFile>,
  mtime = new Date(0),
): Promise<BuiltLayer> {
  const tar = pack();
  const folders = new Set(Object.keys(files).flatMap(parentFolders));
  for (const name of [...folders].sort()) {
    tar.entry({ name, type: 'directory', mode: 0o755, mtime });
  }
  for (const name of Object.keys(files).sort()) {
    const file = files[name]!;
    const { content: data, mode } =
      typeof file === 'string' || file instanceof Uint8Array
        ? { content: file, mode: 0o644 }
        : file;
    tar.entry({ name, mode, mtime }, Buffer.from(data));
  }
  tar.finalize();
  const uncompressed = await buffer(tar);
  const bytes = await gzip(uncompressed);
  return { bytes, digest: digestOf(bytes), diffId: digestOf(uncompressed) };
}

/** Docker's `{ "8080/tcp": {} }` form of a port list. */
function portSet(ports: string[] | undefined): Record<string, object> | undefined {
  return ports && Object.fromEntries(ports.map((port) => [port, {}]));
}

/**
 * Builds an image: its config (platform, settings, `rootfs.diff_ids`, and a history entry per
 * step, `empty_layer` where the step made no layer), and a manifest of the spec's format.
 */
export function buildImage(spec: ImageSpec): BuiltImage {
  const format = FORMATS[spec.format ?? 'oci'];
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers = spec.steps.flatMap((step) => (step.layer ? [step.layer] : []));
  const config = jsonContent(format.config, {
    created: spec.created,
    author: spec.author,
    architecture: platform.architecture,
    os: platform.os,
    variant: platform.variant,
    config: {
      User: spec.user,
      ExposedPorts: portSet(spec.exposedPorts),
      Env: spec.env,
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd,
      WorkingDir: spec.workingDir,
      Labels: spec.labels,
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: spec.steps.map((step) => ({
      created: step.created ?? spec.created,
      created_by: step.createdBy,
      comment: step.comment,
      empty_layer: step.layer ? undefined : true,
    })),
  });
  const layerContents = layers.map((layer) => content(format.layer, layer.bytes));
  const manifest = jsonContent(format.manifest, {
    schemaVersion: 2,
    mediaType: format.manifest,
    config: config.descriptor,
    layers: layerContents.map((layer) => layer.descriptor),
    annotations: spec.format === 'docker' ? undefined : spec.annotations,
  });
  return { manifest, blobs: [config, ...layerContents], platform };
}

/** Builds an OCI image index of `manifests` (with their platforms or artifact types as given). */
export function buildIndex(
  manifests: readonly Descriptor[],
  annotations?: Record<string, string>,
): BuiltManifest {
  return {
    manifest: jsonContent(OCI_INDEX, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests,
      annotations,
    }),
    blobs: [],
  };
}

/** Builds an OCI 1.1 artifact: an image manifest with `artifactType`, the empty config and a `subject`. */
export function buildArtifact(spec: ArtifactSpec): BuiltManifest {
  const config = content(OCI_EMPTY, Buffer.from('{}'));
  const blobs = spec.blobs.map((blob) =>
    content(blob.mediaType, blob.bytes, blob.annotations && { annotations: blob.annotations }),
  );
  const manifest = jsonContent(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: spec.artifactType,
    config: config.descriptor,
    layers: blobs.map((blob) => blob.descriptor),
    subject: spec.subject,
    annotations: spec.annotations,
  });
  return { manifest, blobs: [config, ...blobs] };
}
