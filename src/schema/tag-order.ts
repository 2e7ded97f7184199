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

/**
 * Tags in ascending name or version order. `sorted` is in name order already (sorted by code
 * point, as the registry client's tag list is) and is returned as it is; version order is a
 * sorted copy. (CREATED orders need created times: see CreatedWindow.)
 */
export function ascendingTags(
  sorted: readonly string[],
  order: 'NAME' | 'VERSION',
): readonly string[] {
  return order === 'NAME' ? sorted : [...sorted].sort(compareVersions);
}

/** A page of tag names, and whether more tags follow it. */
export interface TagPage {
  names: string[];
  hasNextPage: boolean;
}

/**
 * The `size` tags after `after` (from the first when absent) of `ascending`, read forwards, or
 * backwards when `descending`, without copying the list. `after` must be one of the tags.
 */
export function pageOf(
  ascending: readonly string[],
  descending: boolean,
  after: string | undefined,
  size: number,
): TagPage {
  const count = ascending.length;
  const at = (position: number) => (descending ? count - 1 - position : position);
  const start = after === undefined ? 0 : at(ascending.indexOf(after)) + 1;
  const names: string[] = [];
  for (let position = start; position < Math.min(count, start + size); position++) {
    names.push(ascending[at(position)]!);
  }
  return { names, hasNextPage: start + size < count };
}

/** A tag and its image's creation time (undefined when unknown). */
export interface DatedTag {
  name: string;
  created: string | undefined;
}

/**
 * The first `size` tags in creation order after the tag `after` (from the first when absent),
 * picked from tags offered one by one in any order. It holds only those (with whatever they
 * carry), never every tag offered, and counts the tags that come after `after`.
 */
export class CreatedWindow<T extends DatedTag> {
  private readonly kept: T[] = [];
  private following = 0;

  constructor(
    private readonly size: number,
    private readonly descending: boolean,
    private readonly after?: DatedTag,
  ) {}

  /**
   * Offers a tag; returns the tag this offer leaves out (the offered one when it is not among the
   * first `size`, or the one it pushed out), if any.
   */
  offer(tag: T): T | undefined {
    const compare = (a: DatedTag, b: DatedTag) => compareCreated(a, b, this.descending);
    if (this.after && compare(tag, this.after) <= 0) return tag;
    this.following++;
    let low = 0;
    let high = this.kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.kept[middle]!, tag) < 0) low = middle + 1;
      else high = middle;
    }
    if (low >= this.size) return tag;
    this.kept.splice(low, 0, tag);
    return this.kept.length > this.size ? this.kept.pop() : undefined;
  }

  /** The tags kept, in order: the page once every tag was offered. */
  page(): TagPage {
    return { names: this.kept.map((tag) => tag.name), hasNextPage: this.following > this.size };
  }
}
