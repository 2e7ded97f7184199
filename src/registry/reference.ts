import { badInput } from './errors.js';

/** Longest repository name the distribution reference grammar allows. */
export const MAX_REPOSITORY_LENGTH = 255;

/** Longest tag the distribution grammar allows. */
export const MAX_TAG_LENGTH = 128;

/** Hex length of each supported digest algorithm; others are rejected. */
export const DIGEST_HEX_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha512', 128],
]);

/** A digest split at its first colon. */
export interface ParsedDigest {
  algorithm: string;
  hex: string;
}

/** A manifest reference: exactly one of a tag or a digest. */
export type ManifestReference = { tag: string } | { digest: string };

/** A docker-style image reference with the registry host stripped; a tag, a digest or both. */
export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Options of parseImageReference. */
export interface ImageReferenceOptions {
  /** The configured registry's `host[:port]`; a reference naming it has it stripped. */
  registryHost?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]*$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** `host:port` or an IPv6 literal: a colon counts as a host only then, so `foo:a/b` is a bad name. */
const HOST_PORT = /:\d+$|^\[/;
const LOWER_HEX = /^[0-9a-f]+$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const PREVIEW_LENGTH = 100;

/** Quotes a value for an error message, cut to about 100 characters so huge input is never echoed. */
export function showInput(value: string): string {
  return JSON.stringify(
    value.length > PREVIEW_LENGTH ? `${value.slice(0, PREVIEW_LENGTH)}…` : value,
  );
}

/** Returns `name` when it is a valid repository name, else throws BAD_USER_INPUT saying why. */
export function validateRepository(name: string): string {
  if (name === '') badInput('repository name must not be empty');
  if (name.length > MAX_REPOSITORY_LENGTH) {
    badInput(
      `repository name ${showInput(name)} is longer than ${MAX_REPOSITORY_LENGTH} characters`,
    );
  }
  if (name.includes('%'))
    badInput(`repository name ${showInput(name)} must not be percent-encoded`);
  if (name.startsWith('/') || name.endsWith('/')) {
    badInput(`repository name ${showInput(name)} must not start or end with '/'`);
  }
  const components = name.split('/');
  if (components.includes(''))
    badInput(`repository name ${showInput(name)} has an empty path component`);
  if (components.some((c) => c === '.' || c === '..')) {
    badInput(`repository name ${showInput(name)} must not contain '.' or '..' path components`);
  }
  if (/[A-Z]/.test(name)) badInput(`repository name ${showInput(name)} must be lowercase`);
  const bad = components.find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) {
    badInput(
      `repository name ${showInput(name)} has an invalid component ${showInput(bad)}: components are ` +
        `lowercase letters and digits separated by '.', '_', '__' or dashes`,
    );
  }
  return name;
}

/** True when `name` is a valid repository name. */
export function isRepositoryName(name: string): boolean {
  try {
    validateRepository(name);
    return true;
  } catch {
    return false;
  }
}

/** Returns `tag` when it is a valid tag, else throws BAD_USER_INPUT saying why. */
export function validateTag(tag: string): string {
  if (tag === '') badInput('tag must not be empty');
  if (tag.length > MAX_TAG_LENGTH || !TAG.test(tag)) {
    badInput(
      `invalid tag ${showInput(tag)}: a tag is 1 to ${MAX_TAG_LENGTH} letters, digits, ` +
        `'_', '.' or '-', and does not start with '.' or '-'`,
    );
  }
  return tag;
}

/** Why `digest` is not a valid digest of a supported algorithm, or undefined when it is one. */
export function digestProblem(digest: string): string | undefined {
  if (digest === '') return 'digest must not be empty';
  // the common case first: every check below passes
  if (SHA256_DIGEST.test(digest)) return undefined;
  if (!DIGEST.test(digest))
    return `invalid digest ${showInput(digest)}: expected <algorithm>:<hex>`;
  const algorithm = digest.slice(0, digest.indexOf(':'));
  const length = DIGEST_HEX_LENGTHS.get(algorithm);
  if (length === undefined) {
    return `unsupported digest algorithm ${showInput(algorithm)} in ${showInput(digest)}`;
  }
  const hex = digest.slice(algorithm.length + 1);
  if (hex.length !== length || !LOWER_HEX.test(hex)) {
    return `invalid digest ${showInput(digest)}: ${algorithm} needs exactly ${length} lowercase hex digits`;
  }
  return undefined;
}

/** Splits a valid, supported digest into algorithm and hex, else throws BAD_USER_INPUT. */
export function parseDigest(digest: string): ParsedDigest {
  validateDigest(digest);
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon), hex: digest.slice(colon + 1) };
}

/** Returns `digest` when it is a valid digest of a supported algorithm, else throws BAD_USER_INPUT. */
export function validateDigest(digest: string): string {
  const problem = digestProblem(digest);
  if (problem !== undefined) badInput(problem);
  return digest;
}

/** True when `ref` is a valid digest of a supported algorithm. */
export function isDigest(ref: string): boolean {
  return digestProblem(ref) === undefined;
}

/** Classifies a manifest reference: with a colon it must be a digest, otherwise a tag; throws BAD_USER_INPUT. */
export function validateReference(ref: string): ManifestReference {
  return ref.includes(':') ? { digest: validateDigest(ref) } : { tag: validateTag(ref) };
}

/**
 * Parses `[host/]repo[:tag][@digest]`; a bare `repo` means tag `latest`. A leading host
 * (a first component with `.`, a `:port`, or `localhost`) is stripped when it is the configured
 * registry and rejected otherwise. Throws BAD_USER_INPUT.
 */
export function parseImageReference(
  ref: string,
  options: ImageReferenceOptions = {},
): ImageReference {
  if (ref === '') badInput('image reference must not be empty');
  const at = ref.indexOf('@');
  const digest = at === -1 ? undefined : validateDigest(ref.slice(at + 1));
  let name = at === -1 ? ref : ref.slice(0, at);
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = validateTag(name.slice(colon + 1));
    name = name.slice(0, colon);
  }
  const repository = validateRepository(stripRegistryHost(ref, name, options.registryHost));
  if (digest === undefined) return { repository, tag: tag ?? 'latest' };
  return tag === undefined ? { repository, digest } : { repository, tag, digest };
}

/** `name` without its leading registry host; throws when the host is not `registryHost`. */
function stripRegistryHost(ref: string, name: string, registryHost: string | undefined): string {
  const slash = name.indexOf('/');
  if (slash === -1) return name;
  const first = name.slice(0, slash);
  const isHost =
    first !== '.' &&
    first !== '..' &&
    (first.includes('.') || HOST_PORT.test(first) || first === 'localhost');
  if (!isHost) return name;
  if (registryHost !== undefined && first.toLowerCase() === registryHost.toLowerCase()) {
    return name.slice(slash + 1);
  }
  return badInput(
    `image reference ${showInput(ref)} references another registry (${showInput(first)})`,
  );
}
