import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ADMIN_USER, authorization } from './auth.js';
import { run, settleAll } from './exec.js';
import type { Fixtures, ImageFixture, RegistryInfo } from './types.js';

/** OCI image manifest media type. */
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** OCI image index media type. */
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** The annotation that names an image in an OCI layout's index.json. */
const REF_NAME = 'org.opencontainers.image.ref.name';

/** The artifactType of the referrer fixture. */
const SBOM_ARTIFACT_TYPE = 'application/vnd.example.sbom.v1+json';

/** Repositories and tags of the fixtures. */
const NAMES = {
  docker: { repository: 'fixtures/docker-image', tag: 'v1' },
  oci: { repository: 'fixtures/oci-image', tag: '1.0' },
  referrer: { repository: 'fixtures/oci-image', tag: 'sbom' },
  multiArch: { repository: 'fixtures/multiarch', tag: 'latest' },
  shared: { repository: 'fixtures/shared', tags: ['a', 'b', 'c'] },
  paged: {
    repository: 'fixtures/paged',
    tags: ['1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1', 'latest'],
  },
  public: { repository: 'public/hello', tag: 'latest' },
} as const;

/** An OCI content descriptor. */
interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** An image umoci builds: one layer per entry of `layers` (path to content), then `config` flags. */
interface ImageSpec {
  ref: string;
  architecture: string;
  layers: Record<string, string>[];
  config?: string[];
}

/** The fixture content, built once per run as one OCI layout folder. */
export interface FixtureLayout {
  /** Path of the OCI layout. */
  path: string;
  /** Digest of the referrer's subject (the `oci` image manifest). */
  subjectDigest: string;
  /** Bytes of the `sha256-<hex>` referrers tag index (pushed over HTTP: see seedFixtures). */
  referrersIndex: Buffer;
}

/** Options of pushImage. */
export interface PushImageOptions {
  /** Manifest format in the registry (default `oci`). */
  format?: 'oci' | 'v2s2';
  /** Content of the image's only file; a random one makes the image unique (the default). */
  seed?: string;
}

/** `sha256:<hex>` of some bytes. */
function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Reads a layout's index.json. */
async function readLayoutIndex(layout: string): Promise<{ manifests: Descriptor[] }> {
  return JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
}

/** The descriptor (without annotations) a layout's index.json names `ref`. */
async function layoutDescriptor(layout: string, ref: string): Promise<Descriptor> {
  const { manifests } = await readLayoutIndex(layout);
  const found = manifests.find((entry) => entry.annotations?.[REF_NAME] === ref);
  if (found === undefined) throw new Error(`no ${ref} in OCI layout ${layout}`);
  return { mediaType: found.mediaType, digest: found.digest, size: found.size };
}

/** Where a layout stores the blob `digest`. */
function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Stores bytes as a blob of a layout. */
async function writeBlob(layout: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = sha256(bytes);
  await writeFile(blobPath(layout, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** Stores a JSON document as a blob and names it `ref` in the layout's index.json (replacing any older `ref`). */
async function writeTagged(layout: string, ref: string, mediaType: string, document: unknown) {
  const descriptor = await writeBlob(layout, mediaType, Buffer.from(JSON.stringify(document)));
  const index = await readLayoutIndex(layout);
  index.manifests = [
    ...index.manifests.filter((entry) => entry.annotations?.[REF_NAME] !== ref),
    { ...descriptor, annotations: { [REF_NAME]: ref } },
  ];
  await writeFile(join(layout, 'index.json'), JSON.stringify(index));
  return descriptor;
}

/** Builds an image into an initialised layout with umoci (one build at a time per layout). */
async function buildImage(layout: string, spec: ImageSpec): Promise<Descriptor> {
  const image = `${layout}:${spec.ref}`;
  const bundle = join(dirname(layout), `bundle-${spec.ref}`);
  await run('umoci', ['new', '--image', image]);
  await run('umoci', ['unpack', '--rootless', '--image', image, bundle]);
  for (const files of spec.layers) {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(bundle, 'rootfs', path)), { recursive: true });
      await writeFile(join(bundle, 'rootfs', path), content);
    }
    const createdBy = `COPY ${Object.keys(files).join(' ')} /`;
    await run('umoci', [
      'repack',
      '--refresh-bundle',
      '--history.created_by',
      createdBy,
      '--image',
      image,
      bundle,
    ]);
  }
  await run('umoci', [
    'config',
    '--image',
    image,
    '--os',
    'linux',
    '--architecture',
    spec.architecture,
    ...(spec.config ?? []),
  ]);
  await rm(bundle, { recursive: true, force: true });
  // umoci leaves out the manifest's optional mediaType field; regql's fixtures carry it.
  const { digest } = await layoutDescriptor(layout, spec.ref);
  const manifest = JSON.parse(await readFile(blobPath(layout, digest), 'utf8')) as object;
  return writeTagged(layout, spec.ref, OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...manifest,
  });
}

/** `flag value` for each value, for flags that umoci takes several times. */
function repeatFlag(flag: string, values: readonly string[]): string[] {
  return values.flatMap((value) => [flag, value]);
}

/** Builds every fixture into one OCI layout under `workDir`. */
export async function buildFixtureLayout(workDir: string): Promise<FixtureLayout> {
  const path = join(workDir, 'layout');
  await run('umoci', ['init', '--layout', path]);
  const images: ImageSpec[] = [
    {
      ref: 'docker',
      architecture: 'amd64',
      layers: [
        { 'etc/motd': 'regql docker fixture\n' },
        { 'app/run.sh': '#!/bin/sh\necho hello\n' },
      ],
      config: [
        ...repeatFlag('--config.env', ['PATH=/usr/local/bin:/usr/bin:/bin', 'APP_MODE=test']),
        ...repeatFlag('--config.label', ['org.example.team=regql', 'org.example.tier=fixture']),
        ...repeatFlag('--config.exposedports', ['8080/tcp', '9090/udp']),
        '--config.entrypoint',
        '/app/run.sh',
        '--config.cmd',
        '--verbose',
        '--config.workingdir',
        '/app',
        '--history.created_by',
        'ENV APP_MODE=test',
      ],
    },
    {
      ref: 'oci',
      architecture: 'amd64',
      layers: [{ 'etc/motd': 'regql oci fixture\n' }],
      config: repeatFlag('--manifest.annotation', [
        'org.opencontainers.image.title=regql oci fixture',
        'org.opencontainers.image.source=https://example.invalid/regql',
      ]),
    },
    { ref: 'amd64', architecture: 'amd64', layers: [{ 'arch.txt': 'amd64\n' }] },
    { ref: 'arm64', architecture: 'arm64', layers: [{ 'arch.txt': 'arm64 v8\n' }] },
    { ref: 'shared', architecture: 'amd64', layers: [{ 'shared.txt': 'shared by three tags\n' }] },
    { ref: 'paged', architecture: 'amd64', layers: [{ 'paged.txt': 'one of many tags\n' }] },
    { ref: 'public', architecture: 'amd64', layers: [{ 'hello.txt': 'hello, world\n' }] },
  ];
  for (const spec of images) await buildImage(path, spec);
  const subject = await layoutDescriptor(path, 'oci');

  await writeTagged(path, 'multiarch', OCI_INDEX, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        ...(await layoutDescriptor(path, 'amd64')),
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        ...(await layoutDescriptor(path, 'arm64')),
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
      },
    ],
  });

  const sbom = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'regql oci fixture' }));
  const annotations = {
    'org.opencontainers.image.created': '2024-01-01T00:00:00Z',
    'org.example.sbom.format': 'spdx',
  };
  const artifact = await writeTagged(path, 'sbom', OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SBOM_ARTIFACT_TYPE,
    config: await writeBlob(path, 'application/vnd.oci.empty.v1+json', Buffer.from('{}')),
    layers: [await writeBlob(path, 'application/spdx+json', sbom)],
    subject,
    annotations,
  });
  const referrersIndex = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ ...artifact, artifactType: SBOM_ARTIFACT_TYPE, annotations }],
    }),
  );
  return { path, subjectDigest: subject.digest, referrersIndex };
}

/** skopeo flags that reach `registry` as ADMIN_USER; `prefix` is `''`, `src-` or `dest-`. */
function registryFlags(registry: RegistryInfo, prefix: '' | 'src-' | 'dest-'): string[] {
  const password = registry.users[ADMIN_USER];
  const creds = password === undefined ? [] : [`--${prefix}creds`, `${ADMIN_USER}:${password}`];
  return [`--${prefix}tls-verify=false`, ...creds];
}

/** Runs skopeo without a signature policy file. */
function skopeo(args: readonly string[]): Promise<Buffer> {
  return run('skopeo', ['--insecure-policy', ...args]);
}

/** `skopeo copy`s an OCI layout image (or index, with all its images) to `repository:tag`. */
async function copyToRegistry(
  registry: RegistryInfo,
  source: string,
  reference: string,
  format: 'oci' | 'v2s2' = 'oci',
): Promise<void> {
  // Digests are preserved unless skopeo must convert to Docker v2s2.
  const formatFlags = format === 'oci' ? ['--preserve-digests'] : ['--format', 'v2s2'];
  await skopeo([
    'copy',
    '--quiet',
    '--all',
    ...formatFlags,
    ...registryFlags(registry, 'dest-'),
    source,
    `docker://${registry.host}/${reference}`,
  ]);
}

/** The manifest bytes skopeo reads for `reference` (`repo:tag` or `repo@digest`). */
function skopeoRaw(registry: RegistryInfo, reference: string): Promise<Buffer> {
  return skopeo([
    'inspect',
    '--raw',
    ...registryFlags(registry, ''),
    `docker://${registry.host}/${reference}`,
  ]);
}

/** The manifest digest skopeo reports for `reference` (`repo:tag` or `repo@digest`). */
export async function skopeoDigest(registry: RegistryInfo, reference: string): Promise<string> {
  return sha256(await skopeoRaw(registry, reference));
}

/** `skopeo copy` from the registry to a local destination (`dir:…`, `oci:…`), with extra flags. */
async function skopeoCopyOut(
  registry: RegistryInfo,
  reference: string,
  destination: string,
  flags: readonly string[] = [],
): Promise<void> {
  await skopeo([
    'copy',
    '--quiet',
    ...flags,
    ...registryFlags(registry, 'src-'),
    `docker://${registry.host}/${reference}`,
    destination,
  ]);
}

/** Copies `reference` (every image of an index) with skopeo into a `dir:` folder; returns the top manifest's digest. */
export async function skopeoCopyToDir(
  registry: RegistryInfo,
  reference: string,
  dir: string,
): Promise<string> {
  await skopeoCopyOut(registry, reference, `dir:${dir}`, ['--all', '--preserve-digests']);
  return sha256(await readFile(join(dir, 'manifest.json')));
}

/** What `skopeo inspect` (not --raw) reports of an image: its digest and layer digests. */
export async function skopeoInspect(
  registry: RegistryInfo,
  reference: string,
): Promise<{ digest: string; layers: string[] }> {
  const out = await skopeo([
    'inspect',
    ...registryFlags(registry, ''),
    `docker://${registry.host}/${reference}`,
  ]);
  const report = JSON.parse(out.toString()) as { Digest: string; Layers: string[] };
  return { digest: report.Digest, layers: report.Layers };
}

/** Copies an image into an OCI layout folder with skopeo; returns the manifest digest it wrote. */
export async function skopeoCopyToOci(
  registry: RegistryInfo,
  reference: string,
  dir: string,
): Promise<string> {
  await skopeoCopyOut(registry, reference, `oci:${dir}:copy`);
  const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as {
    manifests: { digest: string }[];
  };
  return index.manifests[0]?.digest ?? '';
}

/** Describes the image at `repository:tag` from the manifest skopeo reads. */
async function inspectImage(
  registry: RegistryInfo,
  repository: string,
  tag: string,
): Promise<ImageFixture> {
  const raw = await skopeoRaw(registry, `${repository}:${tag}`);
  const manifest = JSON.parse(raw.toString()) as {
    mediaType: string;
    config: Descriptor;
    layers: Descriptor[];
  };
  return {
    repository,
    tag,
    digest: sha256(raw),
    mediaType: manifest.mediaType,
    configDigest: manifest.config.digest,
    layerDigests: manifest.layers.map((layer) => layer.digest),
  };
}

/** Describes the multi-arch index at `repository:tag` from the index skopeo reads. */
async function inspectIndex(
  registry: RegistryInfo,
  repository: string,
  tag: string,
): Promise<Fixtures['multiArch']> {
  const raw = await skopeoRaw(registry, `${repository}:${tag}`);
  const index = JSON.parse(raw.toString()) as {
    mediaType: string;
    manifests: (Descriptor & {
      platform: { os: string; architecture: string; variant?: string };
    })[];
  };
  return {
    repository,
    tag,
    digest: sha256(raw),
    mediaType: index.mediaType,
    platforms: index.manifests.map(({ digest, platform }) => ({ ...platform, digest })),
  };
}

/**
 * Pushes an image to each tag, one after another: registry 2.8 sometimes answers a manifest
 * request with 500 while other tags of the same repository are being written.
 */
async function pushTags(
  registry: RegistryInfo,
  source: string,
  repository: string,
  tags: readonly string[],
) {
  for (const tag of tags) await copyToRegistry(registry, source, `${repository}:${tag}`);
}

/** PUTs a manifest as ADMIN_USER; for content skopeo cannot copy byte for byte. */
async function putManifest(
  registry: RegistryInfo,
  repository: string,
  reference: string,
  mediaType: string,
  body: Buffer,
): Promise<void> {
  const auth = await authorization(registry, [`repository:${repository}:pull,push`]);
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': mediaType },
    body: new Uint8Array(body),
  });
  if (response.status !== 201) {
    throw new Error(
      `PUT ${repository}:${reference} answered ${response.status}: ${await response.text()}`,
    );
  }
}

/** Pushes every fixture of `layout` to `registry` with skopeo and records what skopeo reads back. */
export async function seedFixtures(
  registry: RegistryInfo,
  layout: FixtureLayout,
): Promise<Fixtures> {
  const source = (ref: string) => `oci:${layout.path}:${ref}`;
  const push = (ref: string, name: { repository: string; tag: string }, format?: 'v2s2') =>
    copyToRegistry(registry, source(ref), `${name.repository}:${name.tag}`, format);
  const referrersTag = layout.subjectDigest.replace(':', '-');
  await settleAll([
    push('docker', NAMES.docker, 'v2s2'),
    (async () => {
      await push('oci', NAMES.oci);
      await push('sbom', NAMES.referrer);
      // skopeo 1.9 drops `artifactType` from index descriptors, so this index goes over plain HTTP.
      const { repository } = NAMES.referrer;
      await putManifest(registry, repository, referrersTag, OCI_INDEX, layout.referrersIndex);
    })(),
    push('multiarch', NAMES.multiArch),
    push('public', NAMES.public),
    pushTags(registry, source('shared'), NAMES.shared.repository, NAMES.shared.tags),
    pushTags(registry, source('paged'), NAMES.paged.repository, NAMES.paged.tags),
  ]);
  const [
    dockerImage,
    ociImage,
    publicImage,
    multiArch,
    sharedDigest,
    pagedDigest,
    artifactDigest,
    referrersIndexDigest,
  ] = await settleAll([
    inspectImage(registry, NAMES.docker.repository, NAMES.docker.tag),
    inspectImage(registry, NAMES.oci.repository, NAMES.oci.tag),
    inspectImage(registry, NAMES.public.repository, NAMES.public.tag),
    inspectIndex(registry, NAMES.multiArch.repository, NAMES.multiArch.tag),
    skopeoDigest(registry, `${NAMES.shared.repository}:${NAMES.shared.tags[0]}`),
    skopeoDigest(registry, `${NAMES.paged.repository}:${NAMES.paged.tags[0]}`),
    skopeoDigest(registry, `${NAMES.referrer.repository}:${NAMES.referrer.tag}`),
    skopeoDigest(registry, `${NAMES.referrer.repository}:${referrersTag}`),
  ]);
  return {
    dockerImage,
    ociImage,
    publicImage,
    multiArch,
    shared: {
      repository: NAMES.shared.repository,
      tags: [...NAMES.shared.tags],
      digest: sharedDigest,
    },
    referrer: {
      repository: NAMES.referrer.repository,
      tag: NAMES.referrer.tag,
      subjectDigest: layout.subjectDigest,
      artifactDigest,
      artifactType: SBOM_ARTIFACT_TYPE,
      referrersTag,
      referrersIndexDigest,
    },
    paged: { repository: NAMES.paged.repository, tags: [...NAMES.paged.tags], digest: pagedDigest },
  };
}

/** Pushes a small unique single-layer image with skopeo, for tests that change or delete content. */
export async function pushImage(
  registry: RegistryInfo,
  repository: string,
  tag: string,
  options: PushImageOptions = {},
): Promise<ImageFixture> {
  const workDir = await mkdtemp(join(tmpdir(), 'regql-image-'));
  try {
    const layout = join(workDir, 'layout');
    await run('umoci', ['init', '--layout', layout]);
    await buildImage(layout, {
      ref: 'image',
      architecture: 'amd64',
      layers: [{ 'seed.txt': options.seed ?? randomUUID() }],
    });
    await copyToRegistry(registry, `oci:${layout}:image`, `${repository}:${tag}`, options.format);
    return await inspectImage(registry, repository, tag);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
