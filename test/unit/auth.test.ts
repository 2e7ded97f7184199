import { describe, expect, it } from 'vitest';
import { parseChallenge, parseTokenResponse } from '../../src/registry/auth.js';
import type { RegistryError } from '../../src/registry/errors.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseChallenge', () => {
  it('reads a Bearer challenge with realm, service, scope and error', () => {
    const header =
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:foo/bar:pull,push",error="insufficient_scope"';
    expect(parseChallenge(header)).toEqual({
      scheme: 'bearer',
      realm: 'https://auth.example.com/token',
      service: 'registry.example.com',
      scope: 'repository:foo/bar:pull,push',
      error: 'insufficient_scope',
    });
  });

  it('reads a Basic challenge, whatever the case of the scheme', () => {
    expect(parseChallenge('basic realm="basic-realm"')).toMatchObject({
      scheme: 'basic',
      realm: 'basic-realm',
    });
  });

  it.each([undefined, '', 'Negotiate abc', 'Digest realm="x", nonce="y"', '"unterminated'])(
    'ignores %j',
    (header) => {
      expect(parseChallenge(header)).toBeUndefined();
    },
  );
});

describe('parseTokenResponse', () => {
  it('takes token and expires_in', () => {
    expect(parseTokenResponse(bytes({ token: 't1', expires_in: 300 }))).toEqual({
      token: 't1',
      seconds: 300,
    });
  });

  it('takes access_token when token is absent, and defaults the lifetime to 60 s', () => {
    expect(parseTokenResponse(bytes({ access_token: 't2' }))).toEqual({ token: 't2', seconds: 60 });
  });

  it.each([
    ['not JSON', Buffer.from('<html>')],
    ['no token', bytes({ expires_in: 10 })],
    ['empty token', bytes({ token: '' })],
    ['non-string token', bytes({ token: 42 })],
  ])('refuses %s with UPSTREAM_ERROR', (_name, body) => {
    expect(() => parseTokenResponse(body)).toThrowError(
      expect.objectContaining({ code: 'UPSTREAM_ERROR' }) as RegistryError,
    );
  });
});
