import { type JsonField, parseJsonDocument } from './json.js';

/** Default largest image config parseImageConfig accepts. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** One `history` entry of an image config. */
export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  author?: string;
  comment?: string;
  /** True for entries that made no layer (ENV, CMD, ...). */
  emptyLayer: boolean;
}

/** A Docker or OCI image config (they share a shape); JSON nulls read as absent. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
  /** RFC 3339 as written; undefined when it is not a valid date. */
  created?: string;
  author?: string;
  user?: string;
  workingDir?: string;
  env: string[];
  entrypoint?: string[];
  cmd?: string[];
  /** Keys of `config.ExposedPorts` (`80/tcp`), numerically sorted. */
  exposedPorts: string[];
  /** Keys of `config.Volumes`, numerically sorted. */
  volumes: string[];
  stopSignal?: string;
  labels: Record<string, string>;
  history: HistoryEntry[];
  /** `rootfs.diff_ids`: digests of the uncompressed layers, in layer order. */
  diffIds: string[];
  /** The whole parsed document. */
  raw: unknown;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const KEY_ORDER = new Intl.Collator('en', { numeric: true });

/**
 * Parses an image config. Ill-typed fields are UPSTREAM_ERROR "invalid image config: …" and
 * more than `maxBytes` is INTEGRITY_ERROR; an unparseable `created` date reads as absent.
 */
export function parseImageConfig(bytes: Uint8Array, maxBytes = MAX_CONFIG_BYTES): ImageConfig {
  const { root } = parseJsonDocument(bytes, 'image config', maxBytes);
  const settings = root.field('config');
  settings.optional((f) => f.object());
  return {
    architecture: optionalString(root.field('architecture')),
    os: optionalString(root.field('os')),
    variant: optionalString(root.field('variant')),
    osVersion: optionalString(root.field('os.version')),
    osFeatures: root.field('os.features').optional((f) => f.stringArray()),
    created: optionalDate(root.field('created')),
    author: optionalString(root.field('author')),
    user: optionalString(settings.field('User')),
    workingDir: optionalString(settings.field('WorkingDir')),
    env: settings.field('Env').optional((f) => f.stringArray()) ?? [],
    entrypoint: settings.field('Entrypoint').optional(commandLine),
    cmd: settings.field('Cmd').optional(commandLine),
    exposedPorts: sortedKeys(settings.field('ExposedPorts')),
    volumes: sortedKeys(settings.field('Volumes')),
    stopSignal: optionalString(settings.field('StopSignal')),
    labels: settings.field('Labels').optional((f) => f.stringMap()) ?? {},
    history: root.field('history').optional((f) => f.items().map(historyEntry)) ?? [],
    diffIds:
      root
        .field('rootfs')
        .field('diff_ids')
        .optional((f) => f.items().map((item) => item.digest())) ?? [],
    raw: root.value,
  };
}

/**
 * The history entries that made a layer (empty_layer ones skipped), aligned by index with
 * `diffIds` and so with the manifest's layers: as long as `diffIds`, undefined where history ends.
 */
export function layerHistory(config: ImageConfig): (HistoryEntry | undefined)[] {
  const made = config.history.filter((entry) => !entry.emptyLayer);
  return config.diffIds.map((_, i) => made[i]);
}

/** One history entry. */
function historyEntry(field: JsonField): HistoryEntry {
  field.object();
  return {
    created: optionalDate(field.field('created')),
    createdBy: optionalString(field.field('created_by')),
    author: optionalString(field.field('author')),
    comment: optionalString(field.field('comment')),
    emptyLayer: field.field('empty_layer').optional((f) => f.boolean()) ?? false,
  };
}

/** A string field, or undefined when absent. */
function optionalString(field: JsonField): string | undefined {
  return field.optional((f) => f.string());
}

/** A string field kept as written when it is an RFC 3339 date, else undefined. */
function optionalDate(field: JsonField): string | undefined {
  const value = optionalString(field);
  return value !== undefined && isRfc3339(value) ? value : undefined;
}

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True for a real RFC 3339 date-time (month, day and clock in range; Gregorian leap years). */
function isRfc3339(value: string): boolean {
  const match = RFC3339.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0);
  return (
    day >= 1 &&
    day <= days &&
    Number(match[4]) <= 23 &&
    Number(match[5]) <= 59 &&
    Number(match[6]) <= 60 &&
    Number(match[7] ?? 0) <= 23 &&
    Number(match[8] ?? 0) <= 59
  );
}

/** Entrypoint or Cmd: an array of strings, or (as Docker accepts) a single string. */
function commandLine(field: JsonField): string[] {
  return typeof field.value === 'string' ? [field.value] : field.stringArray();
}

/** The keys of an object field (ExposedPorts, Volumes) in numeric-aware order; [] when absent. */
function sortedKeys(field: JsonField): string[] {
  return field.absent ? [] : Object.keys(field.object()).sort(KEY_ORDER.compare);
}
