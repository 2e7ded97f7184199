import type { BlobInfo } from '../registry/blobs.js';
import type { RateLimit } from '../registry/client.js';
import type { HistoryEntry, ImageConfig } from '../registry/image-config.js';
import type {
  ArtifactManifest,
  Descriptor,
  ImageManifest,
  IndexManifest,
  Manifest,
  Platform,
  Schema1Manifest,
} from '../registry/manifest.js';
import type { NegotiatedManifest } from '../registry/manifests.js';
import type { UploadSession } from '../registry/uploads.js';
import { builder } from './builder.js';
import type { ConnectionShape } from './relay.js';

/** A repository, by name. */
export interface RepositoryShape {
  name: string;
}

/** A tag of a repository; its digest is resolved when asked for. */
export interface TagShape {
  repository: string;
  name: string;
}

/** A manifest of some kind, and the repository it was read from. */
export interface ManifestShape<M extends Manifest = Manifest> {
  repository: string;
  manifest: M;
}

/** A descriptor, and the repository its content lives in. */
export interface DescriptorShape {
  repository: string;
  descriptor: Descriptor;
  /** A subject's: what it points at need not be in the registry (OCI 1.1 allows it). */
  mayDangle?: boolean;
}

/** The layer at `index` of an image manifest. */
export interface LayerShape {
  repository: string;
  manifest: ImageManifest;
  index: number;
}

/** A parsed image config and its descriptor. */
export interface ImageConfigShape {
  repository: string;
  descriptor: Descriptor;
  config: ImageConfig;
}

/** A blob's HEAD answer. */
export interface BlobShape {
  repository: string;
  info: BlobInfo;
}

/** An upload session. */
export interface UploadShape {
  repository: string;
  session: UploadSession;
}

/** Relay Node: Repository and Tag. */
export const NodeRef = builder.interfaceRef<RepositoryShape | TagShape>('Node');
/** Repository. */
export const RepositoryRef = builder.objectRef<RepositoryShape>('Repository');
/** Tag. */
export const TagRef = builder.objectRef<TagShape>('Tag');
/** The Manifest interface. */
export const ManifestRef = builder.interfaceRef<ManifestShape>('Manifest');
/** Docker v2 schema 2 and OCI image manifests. */
export const ImageManifestRef = builder.objectRef<ManifestShape<ImageManifest>>('ImageManifest');
/** Docker manifest lists and OCI image indexes. */
export const ImageIndexRef = builder.objectRef<ManifestShape<IndexManifest>>('ImageIndex');
/** Legacy schema 1 manifests. */
export const Schema1ManifestRef =
  builder.objectRef<ManifestShape<Schema1Manifest>>('Schema1Manifest');
/** OCI artifact manifests (OCI 1.1 release candidates). */
export const ArtifactManifestRef =
  builder.objectRef<ManifestShape<ArtifactManifest>>('ArtifactManifest');
/** Descriptor. */
export const DescriptorRef = builder.objectRef<DescriptorShape>('Descriptor');
/** Platform. */
export const PlatformRef = builder.objectRef<Platform>('Platform');
/** Layer. */
export const LayerRef = builder.objectRef<LayerShape>('Layer');
/** ImageConfig. */
export const ImageConfigRef = builder.objectRef<ImageConfigShape>('ImageConfig');
/** A label of an image config. */
export const LabelRef = builder.objectRef<{ key: string; value: string }>('Label');
/** A history entry of an image config. */
export const HistoryEntryRef = builder.objectRef<HistoryEntry>('HistoryEntry');
/** Blob. */
export const BlobRef = builder.objectRef<BlobShape>('Blob');
/** Upload. */
export const UploadRef = builder.objectRef<UploadShape>('Upload');
/** NegotiatedManifest. */
export const NegotiatedManifestRef = builder.objectRef<NegotiatedManifest>('NegotiatedManifest');
/** RegistryInfo (resolved lazily from one ping per request). */
export const RegistryInfoRef = builder.objectRef<Record<string, never>>('RegistryInfo');
/** RateLimit. */
export const RateLimitRef = builder.objectRef<RateLimit>('RateLimit');
/** RepositoryConnection. */
export const RepositoryConnectionRef =
  builder.objectRef<ConnectionShape<RepositoryShape>>('RepositoryConnection');
/** RepositoryEdge. */
export const RepositoryEdgeRef = builder.objectRef<{ cursor: string; node: RepositoryShape }>(
  'RepositoryEdge',
);
/** TagConnection. */
export const TagConnectionRef = builder.objectRef<
  ConnectionShape<TagShape> & { totalCount: number }
>('TagConnection');
/** TagEdge. */
export const TagEdgeRef = builder.objectRef<{ cursor: string; node: TagShape }>('TagEdge');
