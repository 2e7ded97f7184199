import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { digestOf } from '../../src/registry/digest.js';

/** The bytes of a file under test/unit/fixtures/. */
export const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`fixtures/${name}`, import.meta.url)));
/** UTF-8 bytes of a string. */
export const encode = (text: string) => new TextEncoder().encode(text);
/** JSON bytes of a value. */
export const json = (value: unknown) => encode(JSON.stringify(value));
/** A valid, distinct sha256 digest named by a label. */
export const sha = (label: string) => digestOf(encode(label));
/** Matches a RegistryError UPSTREAM_ERROR whose message matches. */
export const upstream = (message: RegExp) =>
  expect.objectContaining({
    name: 'RegistryError',
    code: 'UPSTREAM_ERROR',
    message: expect.stringMatching(message),
  });
