import semver from 'semver';

/** The orders of Repository.tags. */
export const TAG_ORDERS = [
  'NAME_ASC',
  'NAME_DESC',
  'VERSION_ASC',
  'VERSION_DESC',
  'CREATED_ASC',
  'CREATED_DESC',
] as const;

/** One of TAG_ORDERS. */
export type TagOrder = (typeof TAG_ORDERS)[number];

const NUMERIC = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** `v1`, `1.2`, `1.2.3-rc.1+build` as full semantic versions (`1.0.0`, `1.2.0`, ...); null otherwise. */
export function tagVersion(tag: string): semver.SemVer | null {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!match) return null;
  const [, major, minor = '0', patch = '0', pre = '', build = ''] = match;
  return semver.parse(`${major}.${minor}.${patch}${pre}${build}`);
}

/** Numerically-aware name order: `v2` before `v10`; ties broken by plain code-point order. */
export function compareNames(a: string, b: string): number {
  return NUMERIC.compare(a, b) || compareCodePoints(a, b);
}

/**
 * Version order: tags that parse as semantic versions first, by semver precedence (1.9 < 1.10,
 * 2.0.0-rc.1 < 2.0.0), equal versions by name; then every other tag in numerically-aware order.
 */
export function compareVersions(a: string, b: string): number {
  const va = tagVersion(a);
  const vb = tagVersion(b);
  if (va && vb) return semver.compare(va, vb) || compareNames(a, b);
  if (va) return -1;
  if (vb) return 1;
  return compareNames(a, b);
}

/**
 * Creation order by RFC 3339 time; tags whose time is unknown come last in either direction,
 * ties by name.
 */
export function compareCreated(
  a: { name: string; created: string | undefined },
  b: { name: string; created: string | undefined },
  descending: boolean,
): number {
  const ta = a.created === undefined ? Number.NaN : Date.parse(a.created);
  const tb = b.created === undefined ? Number.NaN : Date.parse(b.created);
  if (Number.isNaN(ta) || Number.isNaN(tb)) {
    if (Number.isNaN(ta) && Number.isNaN(tb)) return compareNames(a.name, b.name);
    return Number.isNaN(ta) ? 1 : -1;
  }
  return (descending ? tb - ta : ta - tb) || compareNames(a.name, b.name);
}

/** Plain name order, by code point (what `docker` and registries show). */
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Tags in name or version order (CREATED orders need created times: see compareCreated). */
export function sortByName(
  tags: readonly string[],
  order: 'NAME' | 'VERSION',
  descending: boolean,
): string[] {
  const sorted = [...tags].sort(order === 'NAME' ? compareCodePoints : compareVersions);
  return descending ? sorted.reverse() : sorted;
}
