import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDigester, digestOf, verifyDigest } from '../../src/registry/digest.js';

const encode = (text: string) => new TextEncoder().encode(text);
const integrityError = expect.objectContaining({ name: 'RegistryError', code: 'INTEGRITY_ERROR' });

describe('digestOf', () => {
  it('computes sha256 and sha512 of known content', () => {
    expect(digestOf(new Uint8Array())).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(digestOf(encode('abc'), 'sha512')).toBe(
      'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
        '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('rejects unsupported algorithms', () => {
    expect(() => digestOf(encode('x'), 'md5')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/md5/) }),
    );
    expect(() => createDigester('constructor')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
  });
});

describe('createDigester', () => {
  it('hashes chunks like the whole, for any split', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        fc.array(fc.nat()),
        fc.constantFrom('sha256', 'sha512'),
        (bytes, cuts, algorithm) => {
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const digester = createDigester(algorithm);
          let start = 0;
          for (const end of [...points, bytes.length]) {
            digester.update(bytes.subarray(start, end));
            start = end;
          }
          expect(digester.digest()).toBe(digestOf(bytes, algorithm));
        },
      ),
    );
  });

  it('answers digest() repeatedly', () => {
    const digester = createDigester().update(encode('a')).update(encode('bc'));
    expect(digester.digest()).toBe(digester.digest());
    expect(digester.digest()).toBe(digestOf(encode('abc')));
  });
});

describe('verifyDigest', () => {
  const bytes = encode('{"schemaVersion":2}');

  it('accepts matching content for both algorithms', () => {
    expect(() => verifyDigest(bytes, digestOf(bytes), 'manifest x')).not.toThrow();
    expect(() => verifyDigest(bytes, digestOf(bytes, 'sha512'), 'manifest x')).not.toThrow();
  });

  it('rejects changed content with INTEGRITY_ERROR naming what and the digest', () => {
    const expected = digestOf(bytes);
    const changed = Uint8Array.from(bytes);
    changed[3]! ^= 1;
    expect(() => verifyDigest(changed, expected, 'blob in foo')).toThrow(integrityError);
    expect(() => verifyDigest(changed, expected, 'blob in foo')).toThrow(
      `blob in foo: content does not match digest ${expected}`,
    );
  });

  it.each(['sha256:abc', 'md5:d41d8cd98f00b204e9800998ecf8427e', '', 'x'.repeat(10_000)])(
    'cannot verify against %j',
    (expected) => {
      expect(() => verifyDigest(bytes, expected, 'blob')).toThrow(integrityError);
      expect(() => verifyDigest(bytes, expected, 'blob')).toThrow(
        /^blob: cannot be verified: .{0,200}$/,
      );
    },
  );

  it('detects any single flipped bit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        fc.nat(7),
        (b, i, bit) => {
          const expected = digestOf(b);
          const flipped = Uint8Array.from(b);
          flipped[i % b.length]! ^= 1 << bit;
          expect(() => verifyDigest(flipped, expected, 'blob')).toThrow(integrityError);
        },
      ),
    );
  });
});
