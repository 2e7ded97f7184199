import { describe, expect, it } from 'vitest';
import {
  type ImageConfig,
  layerHistory,
  MAX_CONFIG_BYTES,
  parseImageConfig,
} from '../../src/registry/image-config.js';
import { encode, fixture, json, sha, upstream } from './helpers.js';

describe('parseImageConfig', () => {
  it('parses a Docker config with empty_layer history and null Labels and Volumes', () => {
    const bytes = fixture('docker-config.json');
    const config = parseImageConfig(bytes);
    expect(config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      created: '2023-08-16T03:51:58.127612127Z',
      user: '',
      workingDir: '',
      env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'NGINX_VERSION=1.25.2',
      ],
      entrypoint: ['/docker-entrypoint.sh'],
      cmd: ['nginx', '-g', 'daemon off;'],
      exposedPorts: ['80/tcp', '443/tcp', '8080/tcp'],
      volumes: [],
      stopSignal: 'SIGQUIT',
      labels: {},
      diffIds: [sha('alpine-diff'), sha('nginx-diff')],
    } satisfies Partial<ImageConfig>);
    expect(config.variant).toBeUndefined();
    expect(config.author).toBeUndefined();
    expect(config.raw).toEqual(JSON.parse(new TextDecoder().decode(bytes)));
    expect(config.history).toHaveLength(6);
    expect(config.history[1]).toEqual({
      created: '2023-08-07T19:20:21.033533523Z',
      createdBy: '/bin/sh -c #(nop)  CMD ["/bin/sh"]',
      emptyLayer: true,
    });
    expect(config.history[3]).toMatchObject({
      author: 'NGINX Docker Maintainers',
      emptyLayer: false,
    });
    expect(config.history[4]?.created).toBeUndefined();
    expect(config.history[4]?.createdBy).toBe('/bin/sh -c #(nop)  STOPSIGNAL SIGQUIT');
  });

  it('aligns layer-making history entries with the diff ids', () => {
    const config = parseImageConfig(fixture('docker-config.json'));
    expect(layerHistory(config).map((entry) => entry?.createdBy)).toEqual([
      '/bin/sh -c #(nop) ADD file:32ff5e7a78b890996ee4681cc0a26185d3e9acdb4eb1e2aaccb2411f922fed6b in / ',
      '/bin/sh -c set -x && apk add --no-cache nginx',
    ]);
  });

  it('parses an OCI config', () => {
    const config = parseImageConfig(fixture('oci-config.json'));
    expect(config).toMatchObject({
      architecture: 'arm64',
      variant: 'v8',
      os: 'linux',
      created: '2024-01-02T03:04:05+01:00',
      author: 'Jane Doe <jane@example.com>',
      user: '65532:65532',
      workingDir: '/home/nonroot',
      entrypoint: ['/app/server'],
      cmd: ['--port=8080'],
      exposedPorts: ['53/udp', '8080/tcp', '9090/tcp'],
      volumes: ['/data', '/var/lib/app'],
      stopSignal: 'SIGTERM',
      labels: {
        'org.opencontainers.image.source': 'https://github.com/example/app',
        'org.opencontainers.image.version': '1.2.3',
      },
    });
    expect(config.history.map((entry) => entry.comment)).toEqual([
      'base',
      'buildkit.dockerfile.v0',
      'buildkit.dockerfile.v0',
    ]);
    // Three diff ids, two layer-making entries: the third layer has no history.
    expect(layerHistory(config).map((entry) => entry?.createdBy)).toEqual([
      'bazel build //base',
      'COPY server /app/server # buildkit',
      undefined,
    ]);
  });

  it('reads the Windows os.version and os.features', () => {
    const config = parseImageConfig(
      json({ os: 'windows', 'os.version': '10.0.17763.5576', 'os.features': ['win32k'] }),
    );
    expect([config.osVersion, config.osFeatures]).toEqual(['10.0.17763.5576', ['win32k']]);
  });

  it('gives empty defaults for a minimal config', () => {
    expect(parseImageConfig(encode('{}'))).toEqual({
      env: [],
      exposedPorts: [],
      volumes: [],
      labels: {},
      history: [],
      diffIds: [],
      raw: {},
    });
  });

  it('treats nulls as absent', () => {
    const config = parseImageConfig(
      json({
        architecture: null,
        created: null,
        config: { Env: null, Entrypoint: null, Cmd: null, ExposedPorts: null, User: null },
        history: [{ created_by: 'x', empty_layer: null, created: null }],
        rootfs: { diff_ids: null },
      }),
    );
    expect(config).toEqual({
      env: [],
      exposedPorts: [],
      volumes: [],
      labels: {},
      history: [{ createdBy: 'x', emptyLayer: false }],
      diffIds: [],
      raw: expect.any(Object),
    });
    expect(parseImageConfig(json({ config: null, history: null, rootfs: null })).env).toEqual([]);
  });

  it('accepts a single string as Entrypoint or Cmd, as Docker does', () => {
    const config = parseImageConfig(json({ config: { Entrypoint: '/bin/sh -c', Cmd: 'echo' } }));
    expect([config.entrypoint, config.cmd]).toEqual([['/bin/sh -c'], ['echo']]);
  });

  it.each([
    ['2023-08-16T03:51:58Z', true],
    ['2023-08-16T03:51:58.123456789Z', true],
    ['2023-08-16t03:51:58z', true],
    ['2023-08-16T03:51:58-07:00', true],
    ['0001-01-01T00:00:00Z', true],
    ['2024-02-29T00:00:00Z', true],
    ['2023-02-29T00:00:00Z', false],
    ['2023-13-01T00:00:00Z', false],
    ['2000-02-29T00:00:00Z', true],
    ['1900-02-29T00:00:00Z', false],
    ['2023-04-31T00:00:00Z', false],
    ['2023-00-10T00:00:00Z', false],
    ['2023-01-00T00:00:00Z', false],
    ['2023-08-16T24:00:00Z', false],
    ['2023-08-16T03:51:58', false],
    ['2023-08-16', false],
    ['yesterday', false],
    ['', false],
  ])('keeps created %j only when it is an RFC 3339 date (%s)', (created, valid) => {
    const config = parseImageConfig(json({ created, history: [{ created }] }));
    expect(config.created).toBe(valid ? created : undefined);
    expect(config.history[0]?.created).toBe(valid ? created : undefined);
  });

  it.each([
    ['invalid JSON', encode('{"os":'), /not JSON/],
    ['an array', encode('[]'), /the document must be an object, got an array/],
    ['a numeric architecture', json({ architecture: 1 }), /architecture must be a string, got 1/],
    ['a numeric created', json({ created: 1700000000 }), /created must be a string/],
    ['config as a string', json({ config: 'x' }), /config must be an object, got "x"/],
    ['Env as a string', json({ config: { Env: 'A=1' } }), /config\.Env must be an array/],
    ['a non-string Env entry', json({ config: { Env: [1] } }), /config\.Env\[0\] must be a string/],
    ['Cmd of numbers', json({ config: { Cmd: [1] } }), /config\.Cmd\[0\] must be a string/],
    [
      'a non-string label',
      json({ config: { Labels: { a: true } } }),
      /config\.Labels\.a must be a string, got true/,
    ],
    [
      'ExposedPorts as an array',
      json({ config: { ExposedPorts: ['80/tcp'] } }),
      /config\.ExposedPorts must be an object/,
    ],
    ['history as an object', json({ history: {} }), /history must be an array/],
    ['a string history entry', json({ history: ['x'] }), /history\[0\] must be an object/],
    [
      'a string empty_layer',
      json({ history: [{ empty_layer: 'true' }] }),
      /history\[0\]\.empty_layer must be a boolean/,
    ],
    [
      'a bad diff id',
      json({ rootfs: { diff_ids: ['sha256:abc'] } }),
      /rootfs\.diff_ids\[0\]: invalid digest/,
    ],
    ['rootfs as a string', json({ rootfs: 'layers' }), /rootfs must be an object/],
  ])('rejects %s', (_, bytes, message) => {
    expect(() => parseImageConfig(bytes)).toThrow(upstream(/^invalid image config: /));
    expect(() => parseImageConfig(bytes)).toThrow(upstream(message));
  });

  it('rejects a config larger than MAX_CONFIG_BYTES with INTEGRITY_ERROR', () => {
    const bytes = encode(`{}${' '.repeat(MAX_CONFIG_BYTES - 1)}`);
    expect(() => parseImageConfig(bytes)).toThrow(
      expect.objectContaining({ code: 'INTEGRITY_ERROR' }),
    );
    expect(parseImageConfig(bytes.subarray(0, MAX_CONFIG_BYTES)).env).toEqual([]);
  });

  it('takes a configured limit', () => {
    expect(() => parseImageConfig(encode('{"os":"linux"}'), 10)).toThrow(
      expect.objectContaining({
        code: 'INTEGRITY_ERROR',
        message: expect.stringMatching(/limit of 10 bytes/),
      }),
    );
    expect(
      parseImageConfig(encode(`{}${' '.repeat(MAX_CONFIG_BYTES)}`), 2 * MAX_CONFIG_BYTES).env,
    ).toEqual([]);
  });
});

describe('layerHistory', () => {
  const entry = (createdBy: string, emptyLayer = false) => ({ createdBy, emptyLayer });
  const config = (history: ReturnType<typeof entry>[], layers: number) =>
    parseImageConfig(
      json({
        history: history.map((h) => ({ created_by: h.createdBy, empty_layer: h.emptyLayer })),
        rootfs: { diff_ids: Array.from({ length: layers }, (_, i) => sha(`layer ${i}`)) },
      }),
    );

  it('skips empty layers and truncates to the diff ids', () => {
    const c = config([entry('a'), entry('ENV', true), entry('b'), entry('c')], 2);
    expect(layerHistory(c)).toEqual([entry('a'), entry('b')]);
  });

  it('is empty without diff ids', () => {
    expect(layerHistory(config([entry('a')], 0))).toEqual([]);
  });
});
