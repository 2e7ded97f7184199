import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { toClientError } from '../../src/gateway.js';
import { RegistryError } from '../../src/registry/errors.js';

/** An error as graphql-js wraps a resolver's throw. */
function fromResolver(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ['a', 'b'], originalError: original });
}

describe('toClientError', () => {
  it('gives a RegistryError its contract code and registry code', () => {
    const error = fromResolver(
      new RegistryError('NOT_FOUND', 'manifest x:1: registry answered 404 MANIFEST_UNKNOWN', {
        registryCode: 'MANIFEST_UNKNOWN',
      }),
    );
    const shown = toClientError(error, 'Unexpected error.') as GraphQLError;
    expect(shown.extensions).toEqual({ code: 'NOT_FOUND', registryCode: 'MANIFEST_UNKNOWN' });
    expect(shown.path).toEqual(['a', 'b']);
  });

  it('masks anything unexpected, message and all', () => {
    const shown = toClientError(
      fromResolver(new Error('connect to 10.0.0.1 with password hunter2 failed')),
      'Unexpected error.',
      false,
    ) as GraphQLError;
    expect(shown.message).toBe('Unexpected error.');
    expect(shown.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(shown.toJSON())).not.toContain('hunter2');
  });

  it('turns an oversized multipart file into BAD_USER_INPUT with HTTP 413', () => {
    const tooLarge = new GraphQLError('File size limit exceeded: 1024 bytes', {
      extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } },
    });
    const shown = toClientError(tooLarge, 'Unexpected error.') as GraphQLError;
    expect(shown.extensions).toEqual({ code: 'BAD_USER_INPUT', http: { status: 413 } });
  });
});
