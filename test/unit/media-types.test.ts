import { describe, expect, it } from 'vitest';
import {
  baseMediaType,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V2,
  isManifestMediaType,
  MANIFEST_ACCEPT,
  OCI_CONFIG,
  OCI_INDEX,
} from '../../src/registry/media-types.js';

describe('media types', () => {
  it('strips parameters and case', () => {
    expect(baseMediaType('Application/Vnd.OCI.Image.Index.v1+json; charset=utf-8')).toBe(OCI_INDEX);
    expect(baseMediaType(undefined)).toBe('');
  });

  it('accepts every manifest kind, schema 1 last and at lower preference', () => {
    const entries = MANIFEST_ACCEPT.split(', ');
    expect(entries.slice(0, 4)).toContain(DOCKER_MANIFEST_V2);
    expect(entries.slice(0, 4)).toContain(OCI_INDEX);
    expect(entries.at(-1)).toBe(`${DOCKER_MANIFEST_V1};q=0.5`);
  });

  it('knows manifests from other content', () => {
    expect(isManifestMediaType(`${DOCKER_MANIFEST_V2}; charset=utf-8`)).toBe(true);
    expect(isManifestMediaType(OCI_CONFIG)).toBe(false);
  });
});
