import type { Context } from '../../context.js';
import { orNull } from '../../loaders/index.js';
import {
  type Descriptor,
  type ImageManifest,
  matchPlatform,
  type PlatformWanted,
} from '../../registry/manifest.js';
import { isManifestMediaType } from '../../registry/media-types.js';
import { own } from '../failures.js';
import {
  DescriptorRef,
  type DescriptorShape,
  ManifestRef,
  type ManifestShape,
  PlatformRef,
} from '../refs.js';
import { manifestShape } from './manifest.js';

/** A descriptor as resolvers pass it on. */
export function descriptorShape(repository: string, descriptor: Descriptor): DescriptorShape {
  return { repository, descriptor };
}

/** The image manifest an index names for a platform; null when it names none. */
export async function imageForPlatform(
  context: Context,
  repository: string,
  manifests: Descriptor[],
  want: PlatformWanted,
): Promise<ManifestShape<ImageManifest> | null> {
  const entry = matchPlatform(manifests, want);
  if (!entry) return null;
  // the index names it: an entry that cannot be read is broken, not absent
  const manifest = await own(
    context,
    context.loaders.manifest.load({ repository, reference: entry.digest }),
  );
  return manifest.kind === 'image' ? { repository, manifest } : null;
}

DescriptorRef.implement({
  fields: (t) => ({
    mediaType: t.string({ resolve: (d) => d.descriptor.mediaType }),
    digest: t.field({ type: 'Digest', resolve: (d) => d.descriptor.digest }),
    size: t.field({ type: 'SafeInt', resolve: (d) => d.descriptor.size }),
    artifactType: t.string({ nullable: true, resolve: (d) => d.descriptor.artifactType ?? null }),
    annotations: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (d) => d.descriptor.annotations ?? null,
    }),
    urls: t.stringList({ nullable: true, resolve: (d) => d.descriptor.urls ?? null }),
    platform: t.field({
      type: PlatformRef,
      nullable: true,
      resolve: (d) => d.descriptor.platform ?? null,
    }),
    manifest: t.field({
      type: ManifestRef,
      nullable: true,
      description:
        'the manifest this descriptor points at, when it points at one; null, with an error at this path, when it cannot be read (a subject that is not in the registry is null without one)',
      resolve: async (d, _args, context) => {
        if (!isManifestMediaType(d.descriptor.mediaType)) return null;
        const load = context.loaders.manifest.load({
          repository: d.repository,
          reference: d.descriptor.digest,
        });
        const manifest = d.mayDangle ? await orNull(load) : await own(context, load);
        return manifest && manifestShape(d.repository, manifest);
      },
    }),
  }),
});

PlatformRef.implement({
  fields: (t) => ({
    os: t.exposeString('os'),
    architecture: t.exposeString('architecture'),
    variant: t.string({ nullable: true, resolve: (p) => p.variant ?? null }),
    osVersion: t.string({ nullable: true, resolve: (p) => p.osVersion ?? null }),
    osFeatures: t.stringList({ nullable: true, resolve: (p) => p.osFeatures ?? null }),
  }),
});
