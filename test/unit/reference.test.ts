import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/registry/errors.js';
import {
  isDigest,
  parseDigest,
  parseImageReference,
  showInput,
  validateDigest,
  validateReference,
  validateRepository,
  validateTag,
} from '../../src/registry/reference.js';

const HEX64 = 'a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';
const SHA256 = `sha256:${HEX64}`;
const SHA512 = `sha512:${'0123456789abcdef'.repeat(8)}`;

const badInput = expect.objectContaining({ name: 'RegistryError', code: 'BAD_USER_INPUT' });

/** The error `fn` throws (fails the test when it returns). */
function errorOf(fn: () => unknown): RegistryError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return error as RegistryError;
  }
  throw new Error('expected a throw');
}

/** Asserts that `error` is a BAD_USER_INPUT RegistryError with a short message. */
function expectBadInput(error: unknown): void {
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).code).toBe('BAD_USER_INPUT');
  expect((error as RegistryError).message.length).toBeLessThan(400);
}

const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/, { maxLength: 30 });
const repository = fc
  .array(component, { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join('/'))
  .filter((name) => name.length <= 255);
const tag = fc.stringMatching(/^\w[\w.-]{0,127}$/).filter((t) => t.length <= 128);
const digest = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`),
  fc.stringMatching(/^[0-9a-f]{128}$/).map((hex) => `sha512:${hex}`),
);
const referenceAlphabet = fc.string({
  unit: fc.constantFrom(...'aZ09:/@._-%\\ \u00e9'.split(''), 'sha256:', HEX64, 'localhost'),
  maxLength: 30,
});
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), referenceAlphabet);
const hostLike = (name: string) => /^[^/]*\.[^/]*\/|^localhost\//.test(name);

describe('validateRepository', () => {
  it.each([
    'library/nginx',
    'a',
    'a/b/c/d',
    'my-org/my_app',
    'foo__bar',
    'foo---bar',
    'v1.2/x.y',
    'a'.repeat(255),
  ])('accepts %s', (name) => {
    expect(validateRepository(name)).toBe(name);
  });

  it.each([
    ['', /must not be empty/],
    ['Library/nginx', /must be lowercase/],
    ['../etc/passwd', /'\.' or '\.\.' path components/],
    ['foo/../bar', /'\.' or '\.\.' path components/],
    ['foo/./bar', /'\.' or '\.\.' path components/],
    ['%2e%2e/foo', /percent-encoded/],
    ['foo%2fbar', /percent-encoded/],
    ['/foo', /start or end with '\/'/],
    ['foo/', /start or end with '\/'/],
    ['foo//bar', /empty path component/],
    ['a'.repeat(256), /longer than 255/],
    ['foo..bar', /invalid component "foo..bar"/],
    ['foo___bar', /invalid component/],
    ['-foo', /invalid component/],
    ['foo.', /invalid component/],
    ['foo:bar', /invalid component/],
    ['foo bar', /invalid component/],
    ['fo\u00f6', /invalid component/],
  ])('rejects %j', (name, message) => {
    const error = errorOf(() => validateRepository(name));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(message);
  });

  it('never echoes huge input', () => {
    const error = errorOf(() => validateRepository('x'.repeat(100_000)));
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('validateTag', () => {
  it.each(['latest', '1.25.2-alpine', 'v1', '_', 'A_b.C-d', 'a'.repeat(128)])('accepts %s', (t) => {
    expect(validateTag(t)).toBe(t);
  });

  it.each(['', 'a/b', '.hidden', '-x', 'a:b', 'a b', 'tag@x', 'a'.repeat(129), 'caf\u00e9'])(
    'rejects %j',
    (t) => {
      expect(() => validateTag(t)).toThrow(badInput);
    },
  );
});

describe('digests', () => {
  it('parses sha256 and sha512', () => {
    expect(parseDigest(SHA256)).toEqual({ algorithm: 'sha256', hex: HEX64 });
    expect(parseDigest(SHA512).algorithm).toBe('sha512');
    expect(validateDigest(SHA512)).toBe(SHA512);
    expect(isDigest(SHA256)).toBe(true);
  });

  it.each([
    ['', /must not be empty/],
    [HEX64, /expected <algorithm>:<hex>/],
    [`sha256:${HEX64.toUpperCase()}`, /64 lowercase hex/],
    [`sha256:${HEX64.slice(1)}`, /64 lowercase hex/],
    [`sha256:${HEX64}0`, /64 lowercase hex/],
    [`sha256:${'g'.repeat(64)}`, /64 lowercase hex/],
    [`sha512:${HEX64}`, /128 lowercase hex/],
    [`md5:${'0'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`blake3:${HEX64}`, /unsupported digest algorithm/],
    [`SHA256:${HEX64}`, /expected <algorithm>:<hex>/],
    ['sha256:', /expected <algorithm>:<hex>/],
    [`sha256:${HEX64}\n`, /expected <algorithm>:<hex>/],
    [`sha256:abc/../${HEX64}`, /expected <algorithm>:<hex>/],
  ])('rejects %j', (value, message) => {
    const error = errorOf(() => parseDigest(value));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(message);
    expect(isDigest(value)).toBe(false);
  });
});

describe('validateReference', () => {
  it('tells tags from digests', () => {
    expect(validateReference('latest')).toEqual({ tag: 'latest' });
    expect(validateReference(SHA256)).toEqual({ digest: SHA256 });
  });

  it.each(['', 'a/b', `sha256:${HEX64.slice(2)}`, 'x:y', '../x'])('rejects %j', (ref) => {
    expect(() => validateReference(ref)).toThrow(badInput);
  });
});

describe('parseImageReference', () => {
  const registryHost = '127.0.0.1:5000';

  it.each([
    ['foo', { repository: 'foo', tag: 'latest' }],
    ['foo:1', { repository: 'foo', tag: '1' }],
    ['library/nginx:1.25', { repository: 'library/nginx', tag: '1.25' }],
    [`foo@${SHA256}`, { repository: 'foo', digest: SHA256 }],
    [`foo:1@${SHA256}`, { repository: 'foo', tag: '1', digest: SHA256 }],
    ['127.0.0.1:5000/foo:1', { repository: 'foo', tag: '1' }],
    ['127.0.0.1:5000/foo', { repository: 'foo', tag: 'latest' }],
    ['127.0.0.1:5000/a/b', { repository: 'a/b', tag: 'latest' }],
    [`127.0.0.1:5000/foo@${SHA512}`, { repository: 'foo', digest: SHA512 }],
    ['localhost:5000', { repository: 'localhost', tag: '5000' }],
  ])('parses %s', (ref, expected) => {
    expect(parseImageReference(ref, { registryHost })).toEqual(expected);
  });

  it('matches the registry host case-insensitively', () => {
    expect(
      parseImageReference('Registry.Example.com/app:v2', { registryHost: 'registry.example.COM' }),
    ).toEqual({ repository: 'app', tag: 'v2' });
  });

  it.each([
    ['docker.io/library/nginx', /references another registry \("docker.io"\)/],
    ['localhost/foo', /references another registry/],
    ['127.0.0.1:5001/foo', /references another registry/],
    ['ghcr.io/org/app:1', /references another registry/],
    ['', /must not be empty/],
    ['foo:', /tag must not be empty/],
    ['foo@', /digest must not be empty/],
    [`foo@sha256:${HEX64.slice(1)}`, /64 lowercase hex/],
    ['Foo:1', /must be lowercase/],
    ['../etc:1', /path components/],
    ['%2e%2e/x', /percent-encoded/],
    ['foo:a/b', /invalid component "foo:a"/],
    ['[::1]:5000/foo', /references another registry/],
    ['foo:bad tag', /invalid tag/],
    ['127.0.0.1:5000/', /must not be empty/],
  ])('rejects %j', (ref, message) => {
    const error = errorOf(() => parseImageReference(ref, { registryHost }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(message);
  });

  it('rejects any host when no registry host is configured', () => {
    expect(() => parseImageReference('127.0.0.1:5000/foo:1')).toThrow(badInput);
  });
});

describe('properties', () => {
  it('accepts generated names, tags and digests', () => {
    fc.assert(
      fc.property(repository, tag, digest, (name, t, d) => {
        expect(validateRepository(name)).toBe(name);
        expect(validateTag(t)).toBe(t);
        expect(validateDigest(d)).toBe(d);
        expect(validateReference(t)).toEqual({ tag: t });
        expect(validateReference(d)).toEqual({ digest: d });
      }),
    );
  });

  it('round-trips generated references through parseImageReference', () => {
    const registryHost = 'registry.example.com:5000';
    fc.assert(
      fc.property(repository, tag, digest, (name, t, d) => {
        const prefixed = `${registryHost}/${name}`;
        expect(parseImageReference(`${prefixed}:${t}`, { registryHost })).toEqual({
          repository: name,
          tag: t,
        });
        expect(parseImageReference(`${prefixed}@${d}`, { registryHost })).toEqual({
          repository: name,
          digest: d,
        });
        expect(parseImageReference(`${prefixed}:${t}@${d}`, { registryHost })).toEqual({
          repository: name,
          tag: t,
          digest: d,
        });
        if (!hostLike(name)) {
          expect(parseImageReference(name)).toEqual({ repository: name, tag: 'latest' });
          expect(parseImageReference(`${name}:${t}`)).toEqual({ repository: name, tag: t });
        }
      }),
    );
  });

  it('parses arbitrary strings into valid parts or throws BAD_USER_INPUT', () => {
    fc.assert(
      fc.property(anyString, fc.boolean(), (ref, withHost) => {
        const options = withHost ? { registryHost: 'localhost:5000' } : {};
        let parsed: ReturnType<typeof parseImageReference>;
        try {
          parsed = parseImageReference(ref, options);
        } catch (error) {
          expectBadInput(error);
          return;
        }
        const { repository: name, tag: t, digest: d } = parsed;
        expect(validateRepository(name)).toBe(name);
        expect(t !== undefined || d !== undefined).toBe(true);
        if (t !== undefined) expect(validateTag(t)).toBe(t);
        if (d !== undefined) expect(validateDigest(d)).toBe(d);
      }),
      { numRuns: 2000 },
    );
  });

  it('validates arbitrary strings or throws BAD_USER_INPUT with a short message', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ minLength: 300, maxLength: 2000 })), (input) => {
        for (const validate of [
          validateRepository,
          validateTag,
          validateDigest,
          validateReference,
        ]) {
          try {
            validate(input);
          } catch (error) {
            expectBadInput(error);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('showInput', () => {
  it('quotes and truncates', () => {
    expect(showInput('a"b')).toBe('"a\\"b"');
    expect(showInput('x'.repeat(500))).toBe(`"${'x'.repeat(100)}…"`);
  });
});
