import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/registry/digest.js';
import {
  type Descriptor,
  effectiveArtifactType,
  MAX_MANIFEST_BYTES,
  type Manifest,
  manifestDescriptors,
  manifestDigestInput,
  matchPlatform,
  parseManifest,
} from '../../src/registry/manifest.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
  OCI_ARTIFACT_MANIFEST,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
} from '../../src/registry/media-types.js';
import { encode, fixture, json, sha, upstream } from './helpers.js';

/** Parses `bytes` with its own sha256 as the digest. */
function parse(bytes: Uint8Array, contentType?: string | null): Manifest {
  return parseManifest(bytes, contentType, digestOf(bytes));
}

/** Parses, asserting the kind. */
function parseAs<K extends Manifest['kind']>(
  kind: K,
  bytes: Uint8Array,
  contentType?: string | null,
): Extract<Manifest, { kind: K }> {
  const manifest = parse(bytes, contentType);
  expect(manifest.kind).toBe(kind);
  return manifest as Extract<Manifest, { kind: K }>;
}

const descriptor = (label: string, mediaType = DOCKER_LAYER, size = 10): Descriptor => ({
  mediaType,
  digest: sha(label),
  size,
});
const ociImage = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: descriptor('config', OCI_CONFIG),
  layers: [descriptor('layer')],
  ...extra,
});

describe('parseManifest: the six kinds', () => {
  it('parses a Docker v2 manifest with two layers', () => {
    const bytes = fixture('docker-v2-manifest.json');
    const m = parseAs('image', bytes, DOCKER_MANIFEST_V2);
    expect(m).toMatchObject({
      format: 'docker',
      mediaType: DOCKER_MANIFEST_V2,
      schemaVersion: 2,
      digest: digestOf(bytes),
      size: bytes.byteLength,
      raw: new TextDecoder().decode(bytes),
      config: { mediaType: DOCKER_CONFIG, size: 7654, digest: sha('nginx-config') },
      layers: [
        { mediaType: DOCKER_LAYER, size: 3401613, digest: sha('alpine-layer') },
        { mediaType: DOCKER_LAYER, size: 12345678, digest: sha('nginx-layer') },
      ],
    });
    expect(m.annotations).toBeUndefined();
    expect(m.subject).toBeUndefined();
    expect(manifestDescriptors(m)).toEqual([m.config, ...m.layers]);
    expect(effectiveArtifactType(m)).toBe(DOCKER_CONFIG);
  });

  it('parses a Docker manifest list with two platforms', () => {
    const m = parseAs('index', fixture('docker-manifest-list.json'), DOCKER_MANIFEST_LIST);
    expect(m.format).toBe('docker');
    expect(m.manifests.map((d) => d.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(manifestDescriptors(m)).toBe(m.manifests);
  });

  it('parses an OCI manifest with annotations, urls and a subject', () => {
    const m = parseAs('image', fixture('oci-manifest.json'), OCI_MANIFEST);
    expect(m.format).toBe('oci');
    expect(m.annotations).toEqual({
      'org.opencontainers.image.created': '2024-03-01T10:00:00Z',
      'org.opencontainers.image.revision': '4f1c2d9',
    });
    expect(m.subject).toEqual({ mediaType: OCI_INDEX, digest: sha('subject-index'), size: 1609 });
    expect(m.layers[0]?.annotations).toEqual({ 'org.opencontainers.image.title': 'rootfs.tar.gz' });
    expect(m.layers[1]?.urls).toEqual(['https://mcr.microsoft.com/v2/windows/blobs/x']);
    expect(m.artifactType).toBeUndefined();
  });

  it('parses an OCI index with os.version, os.features and entry annotations', () => {
    const m = parseAs('index', fixture('oci-index.json'), OCI_INDEX);
    expect(m).toMatchObject({
      format: 'oci',
      annotations: { 'org.opencontainers.image.ref.name': '1.0' },
    });
    expect(m.manifests).toHaveLength(4);
    expect(m.manifests[2]?.platform).toEqual({
      os: 'windows',
      architecture: 'amd64',
      osVersion: '10.0.20348.2340',
      osFeatures: ['win32k'],
    });
    expect(m.manifests[3]?.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
  });

  it('parses an OCI artifact manifest with blobs and a subject', () => {
    const m = parseAs('artifact', fixture('oci-artifact-manifest.json'), OCI_ARTIFACT_MANIFEST);
    expect(m).toMatchObject({
      mediaType: OCI_ARTIFACT_MANIFEST,
      schemaVersion: 2,
      artifactType: 'application/vnd.example.sbom.v1',
      subject: { mediaType: OCI_MANIFEST, digest: sha('oci-amd64'), size: 1210 },
      annotations: { 'org.opencontainers.artifact.created': '2023-01-02T03:04:05Z' },
    });
    expect(manifestDescriptors(m)).toEqual([
      {
        mediaType: 'application/vnd.cyclonedx+json',
        digest: sha('sbom'),
        size: 32654,
        annotations: { 'org.opencontainers.image.title': 'sbom.cdx.json' },
      },
    ]);
    expect(effectiveArtifactType(m)).toBe('application/vnd.example.sbom.v1');
  });

  it('parses an unsigned schema 1 manifest', () => {
    const m = parseAs('schema1', fixture('schema1-unsigned.json'), DOCKER_MANIFEST_V1);
    expect(m).toMatchObject({
      mediaType: DOCKER_MANIFEST_V1,
      schemaVersion: 1,
      signed: false,
      name: 'library/hello',
      tag: '1.0',
      architecture: 'amd64',
      fsLayers: [
        'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4',
        sha('hello-layer'),
      ],
    });
    expect(JSON.parse(m.history[1]!.v1Compatibility)).toMatchObject({
      created: expect.any(String),
    });
    expect(manifestDescriptors(m)).toEqual([]);
    expect(effectiveArtifactType(m)).toBeUndefined();
  });
});

/** A schema 1 manifest signed the way libtrust lays it out, with a hand-built protected header. */
function signSchema1(manifest: Record<string, unknown>): {
  payload: Uint8Array;
  signed: Uint8Array;
} {
  const text = JSON.stringify(manifest, null, 3);
  const head = text.slice(0, text.lastIndexOf('}')).trimEnd();
  const formatLength = Buffer.byteLength(head);
  const formatTail = Buffer.from(text.slice(head.length)).toString('base64url');
  const header = { formatLength, formatTail, time: '2024-01-02T03:04:05Z' };
  const signatures = [
    {
      header: {
        jwk: { crv: 'P-256', kid: 'ABCD:EFGH', kty: 'EC', x: 'eA', y: 'eQ' },
        alg: 'ES256',
      },
      signature: 'c2lnbmF0dXJl',
      protected: Buffer.from(JSON.stringify(header)).toString('base64url'),
    },
  ];
  const block = JSON.stringify(signatures, null, 3).replaceAll('\n', '\n   ');
  return { payload: encode(text), signed: encode(`${head},\n   "signatures": ${block}\n}`) };
}

describe('signed schema 1', () => {
  const unsigned = JSON.parse(new TextDecoder().decode(fixture('schema1-unsigned.json')));
  const manifest = {
    ...unsigned,
    history: [{ v1Compatibility: '{"author":"José Ñandú"}' }, unsigned.history[1]],
  };
  const { payload, signed } = signSchema1(manifest);

  it('parses as signed, from the Content-Type or from the body', () => {
    for (const contentType of [DOCKER_MANIFEST_V1_SIGNED, 'application/json', null]) {
      const m = parseAs('schema1', signed, contentType);
      expect(m.signed).toBe(true);
      expect(m.mediaType).toBe(DOCKER_MANIFEST_V1_SIGNED);
      expect(m.history[0]?.v1Compatibility).toBe('{"author":"José Ñandú"}');
    }
    expect(parseAs('schema1', signed, DOCKER_MANIFEST_V1).signed).toBe(true);
  });

  it('hashes the JWS payload: the manifest without its signatures member', () => {
    const input = manifestDigestInput(signed, `${DOCKER_MANIFEST_V1_SIGNED}; charset=utf-8`);
    expect(Buffer.from(input).equals(payload)).toBe(true);
    const { signatures, ...rest } = JSON.parse(new TextDecoder().decode(signed));
    expect(signatures).toHaveLength(1);
    expect(JSON.parse(new TextDecoder().decode(input))).toEqual(rest);
    expect(digestOf(input)).not.toBe(digestOf(signed));
  });

  it('hashes other manifests as served', () => {
    const bytes = fixture('docker-v2-manifest.json');
    expect(manifestDigestInput(bytes, DOCKER_MANIFEST_V2)).toBe(bytes);
    const unsignedBytes = fixture('schema1-unsigned.json');
    expect(manifestDigestInput(unsignedBytes, DOCKER_MANIFEST_V1)).toBe(unsignedBytes);
  });

  it.each([
    ['a signed type without signatures', fixture('schema1-unsigned.json'), /signatures is missing/],
    ['empty signatures', json({ ...manifest, signatures: [] }), /non-empty array/],
    [
      'a protected header that is not base64url',
      json({ ...manifest, signatures: [{ protected: 'a+b/' }] }),
      /base64url/,
    ],
    [
      'a protected header that is not JSON',
      json({ ...manifest, signatures: [{ protected: Buffer.from('nope').toString('base64url') }] }),
      /invalid manifest signature header: not JSON/,
    ],
    [
      'a formatLength beyond the manifest',
      json({
        ...manifest,
        signatures: [
          {
            protected: Buffer.from('{"formatLength":999999,"formatTail":"Cn0"}').toString(
              'base64url',
            ),
          },
        ],
      }),
      /formatLength 999999 exceeds/,
    ],
  ])('rejects %s', (_, bytes, message) => {
    expect(() => manifestDigestInput(bytes, DOCKER_MANIFEST_V1_SIGNED)).toThrow(upstream(message));
  });

  it('rejects a signed Content-Type without signatures when parsing', () => {
    expect(() => parse(fixture('schema1-unsigned.json'), DOCKER_MANIFEST_V1_SIGNED)).toThrow(
      upstream(/signatures is missing/),
    );
  });
});

describe('parseManifest: kind detection', () => {
  it.each([
    [`${OCI_MANIFEST}; charset=utf-8`, 'oci-manifest.json', 'image', OCI_MANIFEST],
    ['APPLICATION/VND.OCI.IMAGE.INDEX.V1+JSON', 'oci-index.json', 'index', OCI_INDEX],
    [null, 'docker-v2-manifest.json', 'image', DOCKER_MANIFEST_V2],
    [undefined, 'docker-manifest-list.json', 'index', DOCKER_MANIFEST_LIST],
    ['application/json', 'oci-artifact-manifest.json', 'artifact', OCI_ARTIFACT_MANIFEST],
    ['text/plain; charset=utf-8', 'oci-index.json', 'index', OCI_INDEX],
    ['application/octet-stream', 'schema1-unsigned.json', 'schema1', DOCKER_MANIFEST_V1],
    ['application/x-something-else', 'docker-v2-manifest.json', 'image', DOCKER_MANIFEST_V2],
  ] as const)('Content-Type %s with %s', (contentType, name, kind, mediaType) => {
    const m = parse(fixture(name), contentType);
    expect([m.kind, m.mediaType]).toEqual([kind, mediaType]);
  });

  it('falls back to the shape when the body has no mediaType', () => {
    const { mediaType: _, ...image } = ociImage();
    expect(parse(json(image), 'application/json')).toMatchObject({
      kind: 'image',
      format: 'oci',
      mediaType: OCI_MANIFEST,
    });
    expect(parse(json({ schemaVersion: 2, manifests: [] }), null)).toMatchObject({
      kind: 'index',
      format: 'oci',
      mediaType: OCI_INDEX,
      manifests: [],
    });
  });

  it('trusts a known Content-Type over the shape when the body has no mediaType', () => {
    const { mediaType: _, ...image } = ociImage();
    expect(parseAs('image', json(image), DOCKER_MANIFEST_V2).format).toBe('docker');
  });

  it.each([
    [OCI_MANIFEST, ociImage({ mediaType: OCI_INDEX })],
    [OCI_INDEX, { schemaVersion: 2, mediaType: DOCKER_MANIFEST_LIST, manifests: [] }],
    [DOCKER_MANIFEST_V2, ociImage()],
    [DOCKER_MANIFEST_V1, ociImage()],
    [OCI_MANIFEST, ociImage({ mediaType: 'application/x-evil' })],
  ])('rejects Content-Type %s contradicted by the body', (contentType, body) => {
    expect(() => parse(json(body), contentType)).toThrow(upstream(/contradicts Content-Type/));
  });

  it('accepts either schema 1 type in the body of a schema 1 answer', () => {
    const body = {
      ...JSON.parse(new TextDecoder().decode(fixture('schema1-unsigned.json'))),
      mediaType: DOCKER_MANIFEST_V1_SIGNED,
    };
    expect(parseAs('schema1', json(body), DOCKER_MANIFEST_V1).mediaType).toBe(DOCKER_MANIFEST_V1);
  });

  it.each([
    [
      'an unknown body mediaType',
      { schemaVersion: 2, mediaType: 'application/vnd.example+json' },
      /unsupported mediaType/,
    ],
    ['schemaVersion 2 of no known shape', { schemaVersion: 2, blobs: [] }, /cannot tell its kind/],
    ['no schemaVersion', { config: {}, layers: [] }, /cannot tell its kind/],
  ])('rejects %s without a known Content-Type', (_, body, message) => {
    expect(() => parse(json(body), 'application/json')).toThrow(upstream(message));
  });
});

describe('parseManifest: validation', () => {
  const layer = (extra: Record<string, unknown>) =>
    ociImage({ layers: [{ ...descriptor('l'), ...extra }] });

  it.each([
    ['invalid JSON', encode('{"schemaVersion": 2,'), /not JSON/],
    ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), /not UTF-8/],
    ['a BOM', encode(`\uFEFF${JSON.stringify(ociImage())}`), /not JSON/],
    ['an array', json([ociImage()]), /the document must be an object, got an array/],
    ['null', encode('null'), /the document must be an object, got null/],
    ['a string', json('manifest'), /the document must be an object/],
    ['a missing config', ociImage({ config: undefined }), /config is missing/],
    ['a null config', ociImage({ config: null }), /config must be an object, got null/],
    ['layers as an object', ociImage({ layers: {} }), /layers must be an array, got an object/],
    ['a missing schemaVersion', ociImage({ schemaVersion: undefined }), /schemaVersion is missing/],
    ['schemaVersion 1', ociImage({ schemaVersion: 1 }), /schemaVersion must be 2, got 1/],
    [
      'schemaVersion "2"',
      ociImage({ schemaVersion: '2' }),
      /schemaVersion must be an integer, got "2"/,
    ],
    [
      'a bad layer digest',
      layer({ digest: 'sha256:1234' }),
      /layers\[0\]\.digest: invalid digest "sha256:1234"/,
    ],
    ['an uppercase digest', layer({ digest: sha('x').toUpperCase() }), /layers\[0\]\.digest/],
    [
      'an unsupported algorithm',
      layer({ digest: `md5:${'0'.repeat(32)}` }),
      /unsupported digest algorithm/,
    ],
    [
      'a negative size',
      layer({ size: -1 }),
      /layers\[0\]\.size must be a non-negative safe integer, got -1/,
    ],
    [
      'a fractional size',
      layer({ size: 1.5 }),
      /size must be a non-negative safe integer, got 1.5/,
    ],
    ['an unsafe size', layer({ size: 2 ** 53 }), /size must be a non-negative safe integer/],
    ['a string size', layer({ size: '10' }), /size must be a non-negative safe integer, got "10"/],
    ['a missing mediaType', layer({ mediaType: undefined }), /layers\[0\]\.mediaType is missing/],
    ['an empty mediaType', layer({ mediaType: '' }), /mediaType must be a non-empty string/],
    [
      'a non-string annotation',
      ociImage({ annotations: { a: 1 } }),
      /annotations\.a must be a string, got 1/,
    ],
    ['non-string urls', layer({ urls: [1] }), /layers\[0\]\.urls\[0\] must be a string/],
    [
      'a subject without digest',
      ociImage({ subject: { mediaType: OCI_MANIFEST, size: 1 } }),
      /subject\.digest is missing/,
    ],
    [
      'an empty artifactType',
      ociImage({ artifactType: '' }),
      /artifactType must be a non-empty string/,
    ],
  ])('rejects %s', (_, body, message) => {
    const bytes = body instanceof Uint8Array ? body : json(body);
    expect(() => parse(bytes, OCI_MANIFEST)).toThrow(upstream(message));
  });

  it.each([
    [
      'an index entry without platform os',
      { manifests: [{ ...descriptor('m', OCI_MANIFEST), platform: { architecture: 'amd64' } }] },
      /manifests\[0\]\.platform\.os is missing/,
    ],
    [
      'an index entry that is a string',
      { manifests: ['sha256:abc'] },
      /manifests\[0\] must be an object/,
    ],
    ['a missing manifests array', {}, /manifests is missing/],
  ])('rejects an index with %s', (_, body, message) => {
    expect(() => parse(json({ schemaVersion: 2, ...body }), OCI_INDEX)).toThrow(upstream(message));
  });

  it.each([
    ['no artifactType', { blobs: [] }, /artifactType is missing/],
    ['blobs as a string', { artifactType: 'a/b', blobs: 'x' }, /blobs must be an array/],
  ])('rejects an artifact manifest with %s', (_, body, message) => {
    expect(() =>
      parse(json({ mediaType: OCI_ARTIFACT_MANIFEST, ...body }), OCI_ARTIFACT_MANIFEST),
    ).toThrow(upstream(message));
  });

  it.each([
    ['history not matching fsLayers', { history: [] }, /history has 0 entries for 2 fsLayers/],
    [
      'a bad blobSum',
      { fsLayers: [{ blobSum: 'sha256:x' }, { blobSum: sha('y') }] },
      /fsLayers\[0\]\.blobSum/,
    ],
    ['no name', { name: undefined }, /name is missing/],
    ['schemaVersion 2', { schemaVersion: 2 }, /schemaVersion must be 1, got 2/],
  ])('rejects a schema 1 manifest with %s', (_, change, message) => {
    const body = {
      ...JSON.parse(new TextDecoder().decode(fixture('schema1-unsigned.json'))),
      ...change,
    };
    expect(() => parse(json(body), DOCKER_MANIFEST_V1)).toThrow(upstream(message));
  });

  it('treats null optional fields as absent', () => {
    const m = parseAs(
      'image',
      json(ociImage({ annotations: null, subject: null, artifactType: null })),
      OCI_MANIFEST,
    );
    expect([m.annotations, m.subject, m.artifactType]).toEqual([undefined, undefined, undefined]);
  });

  it('rejects an invalid digest given by the caller', () => {
    expect(() => parseManifest(json(ociImage()), OCI_MANIFEST, 'sha256:nope')).toThrow(
      upstream(/invalid digest "sha256:nope"/),
    );
  });

  it('never echoes huge values', () => {
    const huge = `sha256:${'z'.repeat(1_000_000)}`;
    let message = '';
    try {
      parse(json(layer({ digest: huge })), OCI_MANIFEST);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/invalid digest/);
    expect(message.length).toBeLessThan(300);
  });
});

describe('parseManifest: size limit', () => {
  const padded = (size: number) => {
    const text = JSON.stringify(ociImage());
    return encode(text + ' '.repeat(size - text.length));
  };

  it('accepts exactly MAX_MANIFEST_BYTES', () => {
    expect(parse(padded(MAX_MANIFEST_BYTES), OCI_MANIFEST).size).toBe(MAX_MANIFEST_BYTES);
  });

  it('rejects one byte more with INTEGRITY_ERROR', () => {
    expect(() => parse(padded(MAX_MANIFEST_BYTES + 1), OCI_MANIFEST)).toThrow(
      expect.objectContaining({
        code: 'INTEGRITY_ERROR',
        message: expect.stringMatching(/exceeds the limit of 4194304 bytes/),
      }),
    );
  });
});

describe('OCI 1.1 artifacts in image manifests', () => {
  it('keeps kind image and reports the artifactType', () => {
    const m = parseAs(
      'image',
      json(
        ociImage({
          artifactType: 'application/vnd.example.sig',
          config: descriptor('{}', OCI_EMPTY, 2),
        }),
      ),
      OCI_MANIFEST,
    );
    expect(m.artifactType).toBe('application/vnd.example.sig');
    expect(effectiveArtifactType(m)).toBe('application/vnd.example.sig');
  });

  it('defaults the effective artifactType to the config media type unless that is empty', () => {
    const custom = parseAs(
      'image',
      json(ociImage({ config: descriptor('c', 'application/vnd.example.config+json') })),
      OCI_MANIFEST,
    );
    expect(custom.artifactType).toBeUndefined();
    expect(effectiveArtifactType(custom)).toBe('application/vnd.example.config+json');
    const empty = parseAs(
      'image',
      json(ociImage({ config: descriptor('{}', OCI_EMPTY, 2) })),
      OCI_MANIFEST,
    );
    expect(effectiveArtifactType(empty)).toBeUndefined();
  });

  it('reports an index artifactType as written', () => {
    const m = parseAs(
      'index',
      json({ schemaVersion: 2, mediaType: OCI_INDEX, artifactType: 'a/b', manifests: [] }),
      OCI_INDEX,
    );
    expect(effectiveArtifactType(m)).toBe('a/b');
  });
});

describe('matchPlatform', () => {
  const entry = (os: string, architecture: string, variant?: string): Descriptor => ({
    ...descriptor(`${os}/${architecture}/${variant}`, OCI_MANIFEST),
    platform: variant === undefined ? { os, architecture } : { os, architecture, variant },
  });
  const amd64 = entry('linux', 'amd64');
  const amd64v3 = entry('linux', 'amd64', 'v3');
  const arm64 = entry('linux', 'arm64');
  const arm64v8 = entry('linux', 'arm64', 'v8');
  const armv6 = entry('linux', 'arm', 'v6');
  const armv7 = entry('linux', 'arm', 'v7');
  const windows = entry('windows', 'amd64');
  const noPlatform = descriptor('attestation', OCI_MANIFEST);
  const index = [noPlatform, amd64v3, amd64, armv6, armv7, arm64v8, windows];

  it.each([
    [index, { os: 'linux', architecture: 'amd64' }, amd64],
    [[amd64v3, amd64], { os: 'linux', architecture: 'amd64' }, amd64],
    [[amd64v3], { os: 'linux', architecture: 'amd64' }, amd64v3],
    [index, { os: 'linux', architecture: 'amd64', variant: 'v3' }, amd64v3],
    [index, { os: 'linux', architecture: 'amd64', variant: 'v2' }, undefined],
    [index, { os: 'linux', architecture: 'arm', variant: 'v7' }, armv7],
    [index, { os: 'linux', architecture: 'arm' }, armv6],
    [index, { os: 'linux', architecture: 'arm64', variant: 'v8' }, arm64v8],
    [[arm64], { os: 'linux', architecture: 'arm64', variant: 'v8' }, arm64],
    [[arm64v8], { os: 'linux', architecture: 'arm64' }, arm64v8],
    [[arm64v8, arm64], { os: 'linux', architecture: 'arm64' }, arm64],
    [[arm64], { os: 'linux', architecture: 'arm64', variant: 'v9' }, undefined],
    [index, { os: 'windows', architecture: 'amd64' }, windows],
    [index, { os: 'darwin', architecture: 'amd64' }, undefined],
    [index, { os: 'Linux', architecture: 'amd64' }, undefined],
    [[noPlatform], { os: 'linux', architecture: 'amd64' }, undefined],
    [[], { os: 'linux', architecture: 'amd64' }, undefined],
    [index, { os: 'linux', architecture: 'amd64', variant: '' }, amd64],
  ])('case %#', (manifests, want, expected) => {
    expect(matchPlatform(manifests, want)).toBe(expected);
  });

  it('works on a parsed manifest list', () => {
    const m = parseAs('index', fixture('docker-manifest-list.json'), DOCKER_MANIFEST_LIST);
    expect(matchPlatform(m.manifests, { os: 'linux', architecture: 'arm64' })?.digest).toBe(
      sha('arm64'),
    );
  });
});
