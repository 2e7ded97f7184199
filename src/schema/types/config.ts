import type { Context } from '../../context.js';
import { layerHistory } from '../../registry/image-config.js';
import { derived } from '../failures.js';
import { HistoryEntryRef, ImageConfigRef, LabelRef, LayerRef, type LayerShape } from '../refs.js';
import { configOf } from './manifest.js';

ImageConfigRef.implement({
  fields: (t) => ({
    digest: t.field({ type: 'Digest', resolve: (c) => c.descriptor.digest }),
    size: t.field({ type: 'SafeInt', resolve: (c) => c.descriptor.size }),
    mediaType: t.string({ resolve: (c) => c.descriptor.mediaType }),
    architecture: t.string({ nullable: true, resolve: (c) => c.config.architecture ?? null }),
    os: t.string({ nullable: true, resolve: (c) => c.config.os ?? null }),
    variant: t.string({ nullable: true, resolve: (c) => c.config.variant ?? null }),
    osVersion: t.string({ nullable: true, resolve: (c) => c.config.osVersion ?? null }),
    created: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (c) => c.config.created ?? null,
    }),
    author: t.string({ nullable: true, resolve: (c) => c.config.author ?? null }),
    user: t.string({ nullable: true, resolve: (c) => c.config.user ?? null }),
    workingDir: t.string({ nullable: true, resolve: (c) => c.config.workingDir ?? null }),
    env: t.stringList({ resolve: (c) => c.config.env }),
    entrypoint: t.stringList({ nullable: true, resolve: (c) => c.config.entrypoint ?? null }),
    cmd: t.stringList({ nullable: true, resolve: (c) => c.config.cmd ?? null }),
    exposedPorts: t.stringList({ resolve: (c) => c.config.exposedPorts }),
    volumes: t.stringList({ resolve: (c) => c.config.volumes }),
    stopSignal: t.string({ nullable: true, resolve: (c) => c.config.stopSignal ?? null }),
    labels: t.field({
      type: [LabelRef],
      resolve: (c) => Object.entries(c.config.labels).map(([key, value]) => ({ key, value })),
    }),
    history: t.field({ type: [HistoryEntryRef], resolve: (c) => c.config.history }),
    diffIds: t.field({ type: ['Digest'], resolve: (c) => c.config.diffIds }),
    raw: t.field({ type: 'JSON', resolve: (c) => c.config.raw }),
  }),
});

LabelRef.implement({
  fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
});

HistoryEntryRef.implement({
  fields: (t) => ({
    created: t.field({ type: 'DateTime', nullable: true, resolve: (h) => h.created ?? null }),
    createdBy: t.string({ nullable: true, resolve: (h) => h.createdBy ?? null }),
    author: t.string({ nullable: true, resolve: (h) => h.author ?? null }),
    comment: t.string({ nullable: true, resolve: (h) => h.comment ?? null }),
    emptyLayer: t.exposeBoolean('emptyLayer'),
  }),
});

/** The config of the layer's image (one load per image, shared by its layers and fields). */
function layerConfig(layer: LayerShape, context: Context) {
  return derived(context, configOf(context, layer.repository, layer.manifest));
}

LayerRef.implement({
  fields: (t) => {
    const descriptor = (layer: LayerShape) => layer.manifest.layers[layer.index]!;
    return {
      index: t.exposeInt('index'),
      digest: t.field({ type: 'Digest', resolve: (l) => descriptor(l).digest }),
      size: t.field({ type: 'SafeInt', resolve: (l) => descriptor(l).size }),
      mediaType: t.string({ resolve: (l) => descriptor(l).mediaType }),
      urls: t.stringList({ nullable: true, resolve: (l) => descriptor(l).urls ?? null }),
      annotations: t.field({
        type: 'JSON',
        nullable: true,
        resolve: (l) => descriptor(l).annotations ?? null,
      }),
      diffId: t.field({
        type: 'Digest',
        nullable: true,
        description: "from the config's rootfs.diff_ids at this index",
        resolve: async (l, _args, context) =>
          (await layerConfig(l, context))?.diffIds[l.index] ?? null,
      }),
      createdBy: t.string({
        nullable: true,
        description: 'from the history entry that made this layer',
        resolve: async (l, _args, context) => {
          const config = await layerConfig(l, context);
          return config && (layerHistory(config)[l.index]?.createdBy ?? null);
        },
      }),
    };
  },
});
