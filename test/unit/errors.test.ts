import { describe, expect, it } from 'vitest';
import { codeForStatus, RegistryError, registryCodeOf } from '../../src/registry/errors.js';

describe('registryCodeOf', () => {
  it('takes the first code of a registry error body', () => {
    const body = JSON.stringify({
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'x' }, { code: 'B' }],
    });
    expect(registryCodeOf(body)).toBe('MANIFEST_UNKNOWN');
  });

  it.each(['', '404 page not found', '{"errors":[]}', '{"errors":[{"code":"<script>"}]}', 'null'])(
    'finds no code in %j',
    (body) => {
      expect(registryCodeOf(body)).toBeUndefined();
    },
  );
});

describe('codeForStatus', () => {
  it.each([
    [404, 'MANIFEST_UNKNOWN', 'NOT_FOUND'],
    [401, undefined, 'UNAUTHORIZED'],
    [403, 'DENIED', 'FORBIDDEN'],
    [401, 'DENIED', 'FORBIDDEN'],
    [429, 'TOOMANYREQUESTS', 'RATE_LIMITED'],
    [405, 'UNSUPPORTED', 'UNSUPPORTED'],
    [400, 'DIGEST_INVALID', 'INTEGRITY_ERROR'],
    [400, 'NAME_INVALID', 'BAD_USER_INPUT'],
    [500, undefined, 'UPSTREAM_ERROR'],
    [503, undefined, 'UPSTREAM_ERROR'],
  ] as const)('%i %s → %s', (status, registryCode, code) => {
    expect(codeForStatus(status, registryCode)).toBe(code);
  });
});

describe('RegistryError', () => {
  it('carries code, status and registry code', () => {
    const error = new RegistryError('NOT_FOUND', 'manifest x:1: registry answered 404', {
      statusCode: 404,
      registryCode: 'MANIFEST_UNKNOWN',
    });
    expect(error).toBeInstanceOf(Error);
    expect([error.code, error.statusCode, error.registryCode]).toEqual([
      'NOT_FOUND',
      404,
      'MANIFEST_UNKNOWN',
    ]);
  });
});
