import type { Config } from '../../config.js';
import type { Context } from '../../context.js';
import { orNull } from '../../loaders/index.js';
import type { ImageManifest, Manifest, PlatformWanted } from '../../registry/manifest.js';
import { validateMediaType } from '../../registry/media-types.js';
import { parseImageReference } from '../../registry/reference.js';
import { badUserInput, builder } from '../builder.js';
import { derived, own } from '../failures.js';
import {
  ArtifactManifestRef,
  DescriptorRef,
  ImageConfigRef,
  ImageIndexRef,
  ImageManifestRef,
  LayerRef,
  ManifestRef,
  type ManifestShape,
  PlatformRef,
  RepositoryRef,
  Schema1ManifestRef,
  TagRef,
} from '../refs.js';
import { descriptorShape, imageForPlatform } from './descriptor.js';

/** The GraphQL type of each manifest kind. */
const TYPE_OF_KIND = {
  image: 'ImageManifest',
  index: 'ImageIndex',
  schema1: 'Schema1Manifest',
  artifact: 'ArtifactManifest',
} as const;

/** A platform os, architecture or variant as OCI spells them (`linux`, `arm64`, `v8`). */
function platformPart(name: string, value: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
    throw badUserInput(`${name} must be a platform name like linux, amd64 or v8`);
  }
  return value;
}

/** The config of an image, loaded once per operation for every field that reads it. */
export function configOf({ loaders }: Context, repository: string, manifest: ImageManifest) {
  return loaders.config.load({ repository, digest: manifest.config.digest });
}

/** The platform `forPlatform` asks for; BAD_USER_INPUT for names OCI would not spell so. */
function platformWanted(args: {
  os: string;
  architecture: string;
  variant?: string | null;
}): PlatformWanted {
  const { os, architecture, variant } = args;
  return {
    os: platformPart('os', os),
    architecture: platformPart('architecture', architecture),
    variant:
      variant === null || variant === undefined ? undefined : platformPart('variant', variant),
  };
}

/** A docker-style reference to an image of the configured registry. */
function imageReference(reference: string, config: Config) {
  return parseImageReference(reference, { registryHost: config.publicRegistryHost });
}

/** A manifest as resolvers pass it on. */
export function manifestShape(repository: string, manifest: Manifest): ManifestShape {
  return { repository, manifest };
}

/** Every tag of the repository that currently points at the digest (one manifest load per tag). */
export async function tagsPointingAt(context: Context, repository: string, digest: string) {
  const tags = (await orNull(context.loaders.tags.load(repository))) ?? [];
  const digests = await Promise.all(
    tags.map((reference) => orNull(context.loaders.manifest.load({ repository, reference }))),
  );
  return tags
    .filter((_tag, i) => digests[i]?.digest === digest)
    .map((name) => ({ repository, name }));
}

ManifestRef.implement({
  resolveType: (shape) => TYPE_OF_KIND[shape.manifest.kind],
  fields: (t) => ({
    digest: t.field({ type: 'Digest', resolve: (m) => m.manifest.digest }),
    mediaType: t.string({ resolve: (m) => m.manifest.mediaType }),
    schemaVersion: t.int({ resolve: (m) => m.manifest.schemaVersion }),
    size: t.field({
      type: 'SafeInt',
      description: 'bytes of the manifest document',
      resolve: (m) => m.manifest.size,
    }),
    raw: t.string({
      description: 'the manifest exactly as the registry served it',
      resolve: (m) => m.manifest.raw,
    }),
    repository: t.field({ type: RepositoryRef, resolve: (m) => ({ name: m.repository }) }),
    tags: t.field({
      type: [TagRef],
      nullable: true,
      description: 'every tag of the repository that currently points at this digest',
      resolve: (m, _args, context) => tagsPointingAt(context, m.repository, m.manifest.digest),
    }),
    annotations: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (m) => m.manifest.annotations ?? null,
    }),
    subject: t.field({
      type: DescriptorRef,
      nullable: true,
      description: 'OCI 1.1 subject',
      resolve: (m) =>
        m.manifest.subject && {
          ...descriptorShape(m.repository, m.manifest.subject),
          mayDangle: true,
        },
    }),
    referrers: t.field({
      type: [DescriptorRef],
      nullable: true,
      description:
        'OCI 1.1 referrers API, falling back to the referrers tag schema where the registry lacks the API',
      args: { artifactType: t.arg.string() },
      extensions: {
        checkArgs: ({ artifactType }) => {
          if (artifactType !== null && artifactType !== undefined) {
            validateMediaType(artifactType, 'artifact type');
          }
        },
      },
      resolve: async (m, { artifactType }, { loaders }) => {
        const descriptors = await loaders.referrers.load({
          repository: m.repository,
          digest: m.manifest.digest,
          artifactType: artifactType ?? undefined,
        });
        return descriptors.map((d) => descriptorShape(m.repository, d));
      },
    }),
  }),
});

ImageManifestRef.implement({
  description: 'Docker image manifest v2 schema 2, and OCI image manifest',
  interfaces: [ManifestRef],
  isTypeOf: (value) => (value as ManifestShape).manifest?.kind === 'image',
  fields: (t) => ({
    artifactType: t.string({ nullable: true, resolve: (m) => m.manifest.artifactType ?? null }),
    config: t.field({
      type: ImageConfigRef,
      nullable: true,
      description: 'null, with an error at this path, when the config blob cannot be read',
      resolve: async (m, _args, context) => ({
        repository: m.repository,
        descriptor: m.manifest.config,
        config: await own(context, configOf(context, m.repository, m.manifest)),
      }),
    }),
    layers: t.field({
      type: [LayerRef],
      resolve: (m) =>
        m.manifest.layers.map((_layer, index) => ({
          repository: m.repository,
          manifest: m.manifest,
          index,
        })),
    }),
    totalSize: t.field({
      type: 'SafeInt',
      description: 'config plus layers, as stored (compressed)',
      resolve: (m) =>
        m.manifest.layers.reduce((sum, layer) => sum + layer.size, m.manifest.config.size),
    }),
    platform: t.field({
      type: PlatformRef,
      nullable: true,
      description: 'from the image config',
      resolve: async (m, _args, context) => {
        const config = await derived(context, configOf(context, m.repository, m.manifest));
        if (!config?.os || !config.architecture) return null;
        return {
          os: config.os,
          architecture: config.architecture,
          variant: config.variant,
          osVersion: config.osVersion,
          osFeatures: config.osFeatures,
        };
      },
    }),
  }),
});

ImageIndexRef.implement({
  description: 'Docker manifest list, and OCI image index',
  interfaces: [ManifestRef],
  isTypeOf: (value) => (value as ManifestShape).manifest?.kind === 'index',
  fields: (t) => ({
    manifests: t.field({
      type: [DescriptorRef],
      resolve: (m) => m.manifest.manifests.map((d) => descriptorShape(m.repository, d)),
    }),
    forPlatform: t.field({
      type: ImageManifestRef,
      nullable: true,
      description: 'null when the index has no entry for that platform',
      args: {
        os: t.arg.string({ required: true }),
        architecture: t.arg.string({ required: true }),
        variant: t.arg.string(),
      },
      extensions: { checkArgs: platformWanted },
      resolve: (m, args, context) =>
        imageForPlatform(context, m.repository, m.manifest.manifests, platformWanted(args)),
    }),
  }),
});

Schema1ManifestRef.implement({
  description: 'legacy Docker image manifest v1 (schema 1), signed or not',
  interfaces: [ManifestRef],
  isTypeOf: (value) => (value as ManifestShape).manifest?.kind === 'schema1',
  fields: (t) => ({
    name: t.string({ resolve: (m) => m.manifest.name }),
    tag: t.string({ nullable: true, resolve: (m) => m.manifest.tag ?? null }),
    architecture: t.string({ nullable: true, resolve: (m) => m.manifest.architecture ?? null }),
    fsLayers: t.field({ type: ['Digest'], resolve: (m) => m.manifest.fsLayers }),
    signed: t.boolean({ resolve: (m) => m.manifest.signed }),
  }),
});

ArtifactManifestRef.implement({
  description: 'OCI artifact manifest (from the OCI 1.1 release candidates)',
  interfaces: [ManifestRef],
  isTypeOf: (value) => (value as ManifestShape).manifest?.kind === 'artifact',
  fields: (t) => ({
    artifactType: t.string({ resolve: (m) => m.manifest.artifactType }),
    blobs: t.field({
      type: [DescriptorRef],
      resolve: (m) => m.manifest.blobs.map((d) => descriptorShape(m.repository, d)),
    }),
  }),
});

builder.queryField('image', (t) =>
  t.field({
    type: ManifestRef,
    nullable: true,
    description:
      "a docker-style reference: 'repo:tag', 'repo@sha256:...', or 'repo' (meaning :latest); null when missing",
    args: { reference: t.arg.string({ required: true }) },
    extensions: { checkArgs: ({ reference }, { config }) => imageReference(reference, config) },
    resolve: async (_root, { reference }, { config, loaders }) => {
      const ref = imageReference(reference, config);
      const manifest = await orNull(
        loaders.manifest.load({
          repository: ref.repository,
          reference: ref.digest ?? ref.tag ?? 'latest',
        }),
      );
      return manifest && manifestShape(ref.repository, manifest);
    },
  }),
);
