import { createHash } from 'node:crypto';
import { badInput, RegistryError } from './errors.js';
import { DIGEST_HEX_LENGTHS, digestProblem, parseDigest, showInput } from './reference.js';

/** An incremental hasher for streamed content; single use, `digest()` may be called repeatedly. */
export interface Digester {
  /** Feeds the next chunk; returns the digester for chaining. */
  update(chunk: Uint8Array): Digester;
  /** The `<algorithm>:<hex>` digest of everything fed so far; no updates after this. */
  digest(): string;
}

/** A new incremental hasher for `algorithm` (sha256 or sha512); throws BAD_USER_INPUT for others. */
export function createDigester(algorithm = 'sha256'): Digester {
  if (!DIGEST_HEX_LENGTHS.has(algorithm)) {
    badInput(`unsupported digest algorithm ${showInput(algorithm)}`);
  }
  const hash = createHash(algorithm);
  let result: string | undefined;
  const digester: Digester = {
    update(chunk) {
      hash.update(chunk);
      return digester;
    },
    digest() {
      result ??= `${algorithm}:${hash.digest('hex')}`;
      return result;
    },
  };
  return digester;
}

/** The `<algorithm>:<hex>` digest of `bytes`. */
export function digestOf(bytes: Uint8Array, algorithm = 'sha256'): string {
  return createDigester(algorithm).update(bytes).digest();
}

/**
 * Throws INTEGRITY_ERROR "<what>: content does not match digest <expected>" unless `bytes`
 * hash to `expected`; an invalid or unsupported `expected` cannot be verified and fails the same way.
 */
export function verifyDigest(bytes: Uint8Array, expected: string, what: string): void {
  const problem = digestProblem(expected);
  if (problem !== undefined) {
    throw new RegistryError('INTEGRITY_ERROR', `${what}: cannot be verified: ${problem}`);
  }
  if (digestOf(bytes, parseDigest(expected).algorithm) !== expected) {
    throw new RegistryError(
      'INTEGRITY_ERROR',
      `${what}: content does not match digest ${expected}`,
    );
  }
}
