import type { RegistryClient } from '../registry/client.js';
import { digestOf } from '../registry/digest.js';
import { referrersTag } from '../registry/referrers.js';
import {
  type BuiltImage,
  type BuiltLayer,
  type BuiltManifest,
  buildArtifact,
  buildImage,
  buildIndex,
  buildLayer,
  type Content,
  type ImagePlatform,
  type ImageStep,
} from './images.js';

/** One tag the demo pushed. */
export interface SeededTag {
  repository: string;
  tag: string;
  /** The manifest digest the tag points at. */
  digest: string;
}

/** What seedDemo put into the registry. */
export interface DemoSummary {
  /** Every tag pushed (the referrers tag excluded), by repository and release order. */
  tags: SeededTag[];
  /** The SBOM attached to `demo/app:1.10.0`. */
  referrer: {
    repository: string;
    /** Digest of the artifact manifest (pushed by digest, untagged). */
    digest: string;
    artifactType: string;
    /** Digest of the manifest it refers to. */
    subject: string;
    /** The OCI 1.1 referrers tag schema tag (`sha256-<hex>`) listing it. */
    indexTag: string;
  };
  /** Distinct blobs uploaded (per repository), and their bytes. */
  blobs: number;
  bytes: number;
  /** Manifest PUTs, one per tag or digest. */
  manifests: number;
}

/** Pushes built manifests, uploading each blob once per repository however often it is used. */
export class ContentPusher {
  /** Distinct blobs uploaded. */
  blobs = 0;
  /** Bytes of those blobs. */
  bytes = 0;
  /** Manifest PUTs. */
  manifests = 0;
  private readonly uploads = new Map<string, Promise<void>>();

  constructor(private readonly client: RegistryClient) {}

  /**
   * Uploads the blobs of `built` (concurrently, each once per repository), then PUTs its manifest
   * under each of `tags`, or under its digest when there are none. Returns the manifest digest.
   */
  async push(
    repository: string,
    built: BuiltManifest,
    tags: readonly string[] = [],
  ): Promise<string> {
    await Promise.all(built.blobs.map((blob) => this.upload(repository, blob)));
    const { bytes, descriptor } = built.manifest;
    const references = tags.length > 0 ? tags : [descriptor.digest];
    await Promise.all(
      references.map((reference) =>
        this.client.manifests.put(repository, reference, bytes, descriptor.mediaType),
      ),
    );
    this.manifests += references.length;
    return descriptor.digest;
  }

  /** Uploads a blob unless this pusher already did (or is doing) so for the repository. */
  private upload(repository: string, { bytes, descriptor }: Content): Promise<void> {
    const key = `${repository}@${descriptor.digest}`;
    let pending = this.uploads.get(key);
    if (pending === undefined) {
      pending = this.client.uploads.upload(repository, bytes, descriptor.digest).then(() => {
        this.blobs += 1;
        this.bytes += bytes.length;
      });
      this.uploads.set(key, pending);
    }
    return pending;
  }
}

/** Releases of `demo/app`, oldest first; `latest` goes to LATEST_APP_RELEASE. */
const APP_RELEASES = [
  { version: '1.0.0', created: '2023-03-14T09:26:53Z', base: 'v1' },
  { version: '1.2.0', created: '2023-08-02T16:04:11Z', base: 'v1' },
  { version: '1.9.0', created: '2024-05-21T11:47:30Z', base: 'v1' },
  { version: '1.10.0', created: '2024-10-08T14:12:05Z', base: 'v1' },
  { version: '2.0.0-rc.1', created: '2025-02-17T08:30:42Z', base: 'v2' },
] as const;

/** The release `latest` points at (and the subject of the SBOM). */
const LATEST_APP_RELEASE = '1.10.0';

/** The artifact type of the SBOM referrer. */
const SBOM_ARTIFACT_TYPE = 'application/spdx+json';

/** The history comment BuildKit writes on Dockerfile steps. */
const BUILDKIT = 'buildkit.dockerfile.v0';

/** Where the sample sources claim to live. */
const SOURCE = 'https://example.com/regql/demo';

/** A 40-hex "git revision" derived from a name, so each release has its own. */
function revision(name: string): string {
  return digestOf(Buffer.from(name)).slice('sha256:'.length, 'sha256:'.length + 40);
}

/** A small base root filesystem layer; `flavour` makes different bases differ. */
function baseLayer(flavour: string, arch: string, mtime: Date): Promise<BuiltLayer> {
  return buildLayer(
    {
      'etc/os-release': `NAME="Demo Linux"\nID=demo\nVERSION_ID=${flavour}\nPRETTY_NAME="Demo Linux ${flavour} (${arch})"\n`,
      'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/app:/sbin/nologin\n',
      'etc/group': 'root:x:0:\napp:x:1000:\n',
      'bin/sh': { content: `#!/bin/sh\n# demo ${arch} shell stub\n`, mode: 0o755 },
    },
    mtime,
  );
}

/** The history entries of a base image: its root filesystem and its default command. */
function baseSteps(layer: BuiltLayer, created: string): ImageStep[] {
  return [
    { createdBy: `/bin/sh -c #(nop) ADD file:${layer.diffId.slice(7, 71)} in / `, layer, created },
    { createdBy: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', created },
  ];
}

/** The OCI labels every demo image carries. */
function ociLabels(title: string, description: string, version: string, created: string) {
  return {
    'org.opencontainers.image.title': title,
    'org.opencontainers.image.description': description,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.revision': revision(`${title}@${version}`),
    'org.opencontainers.image.source': `${SOURCE}/${title}`,
    'org.opencontainers.image.licenses': 'Apache-2.0',
    'org.opencontainers.image.vendor': 'regql demo',
  };
}

/** The `demo/app` images, one per release. */
async function appImages(): Promise<Map<string, BuiltImage>> {
  const bases = {
    v1: { created: '2023-02-10T18:00:00Z' },
    v2: { created: '2025-01-08T18:00:00Z' },
  };
  const baseLayers = {
    v1: await baseLayer('3.17', 'x86_64', new Date(bases.v1.created)),
    v2: await baseLayer('3.21', 'x86_64', new Date(bases.v2.created)),
  };
  const images = await Promise.all(
    APP_RELEASES.map(async ({ version, created, base }) => {
      const appLayer = await buildLayer(
        {
          'app/package.json': `${JSON.stringify({ name: 'demo-app', version, main: 'server.js' }, null, 2)}\n`,
          'app/server.js': `// demo-app ${version}\nrequire('node:http').createServer((_, res) => res.end('demo-app ${version}\\n')).listen(8080);\n`,
          'app/VERSION': `${version}\n`,
        },
        new Date(created),
      );
      const major2 = version.startsWith('2.');
      const labels = ociLabels(
        'demo-app',
        'Sample web service for the regql demo',
        version,
        created,
      );
      const image = buildImage({
        created,
        author: 'regql demo <demo@example.com>',
        user: '1000:1000',
        workingDir: '/app',
        env: [
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          'NODE_ENV=production',
          `APP_VERSION=${version}`,
        ],
        entrypoint: ['node'],
        cmd: ['/app/server.js'],
        exposedPorts: major2 ? ['8080/tcp', '8443/tcp', '9090/tcp'] : ['8080/tcp', '9090/tcp'],
        labels,
        steps: [
          ...baseSteps(baseLayers[base], bases[base].created),
          { createdBy: 'ENV NODE_ENV=production', comment: BUILDKIT },
          { createdBy: `ENV APP_VERSION=${version}`, comment: BUILDKIT },
          { createdBy: 'WORKDIR /app', comment: BUILDKIT },
          { createdBy: 'COPY app/ /app/ # buildkit', layer: appLayer, comment: BUILDKIT },
          {
            createdBy: `EXPOSE map[${major2 ? '8080/tcp:{} 8443/tcp:{} ' : '8080/tcp:{} '}9090/tcp:{}]`,
            comment: BUILDKIT,
          },
          { createdBy: 'USER 1000:1000', comment: BUILDKIT },
          { createdBy: 'ENTRYPOINT ["node"]', comment: BUILDKIT },
          { createdBy: 'CMD ["/app/server.js"]', comment: BUILDKIT },
        ],
        annotations: {
          'org.opencontainers.image.created': created,
          'org.opencontainers.image.version': version,
          'org.opencontainers.image.revision': labels['org.opencontainers.image.revision'],
        },
      });
      return [version, image] as const;
    }),
  );
  return new Map(images);
}

/** One platform of `demo/multiarch:latest`: its own base, binary and config. */
async function multiarchImage(platform: ImagePlatform, arch: string): Promise<BuiltImage> {
  const created = '2024-09-03T12:00:00Z';
  const mtime = new Date(created);
  const base = await baseLayer('3.20', arch, mtime);
  const tool = await buildLayer(
    {
      'usr/local/bin/hello': {
        content: `#!/bin/sh\necho "hello from ${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}"\n`,
        mode: 0o755,
      },
    },
    mtime,
  );
  return buildImage({
    platform,
    created,
    env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
    entrypoint: ['/usr/local/bin/hello'],
    labels: ociLabels('hello', 'A tiny multi-platform tool', '3.1.4', created),
    steps: [
      ...baseSteps(base, '2024-08-20T06:00:00Z'),
      { createdBy: 'COPY hello /usr/local/bin/hello # buildkit', layer: tool, comment: BUILDKIT },
      { createdBy: 'ENTRYPOINT ["/usr/local/bin/hello"]', comment: BUILDKIT },
    ],
  });
}

/** `demo/docker-image:v1`: a Docker v2 schema 2 image. */
async function dockerImage(): Promise<BuiltImage> {
  const created = '2022-06-30T21:15:44Z';
  const mtime = new Date(created);
  const base = await baseLayer('3.16', 'x86_64', mtime);
  const site = await buildLayer(
    {
      'var/www/index.html':
        '<!doctype html><title>demo</title><h1>Served by a Docker v2 image</h1>\n',
      'docker-entrypoint.sh': { content: '#!/bin/sh\nexec "$@"\n', mode: 0o755 },
    },
    mtime,
  );
  return buildImage({
    format: 'docker',
    created,
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'DOCUMENT_ROOT=/var/www'],
    entrypoint: ['/docker-entrypoint.sh'],
    cmd: ['httpd', '-f', '-p', '80', '-h', '/var/www'],
    exposedPorts: ['80/tcp'],
    labels: { maintainer: 'demo@example.com', 'com.example.tier': 'frontend' },
    steps: [
      ...baseSteps(base, '2022-05-24T10:00:00Z'),
      { createdBy: '/bin/sh -c #(nop)  ENV DOCUMENT_ROOT=/var/www' },
      { createdBy: '/bin/sh -c #(nop) COPY dir:5f1d1bd9 in / ', layer: site },
      { createdBy: '/bin/sh -c #(nop)  EXPOSE 80' },
      { createdBy: '/bin/sh -c #(nop)  ENTRYPOINT ["/docker-entrypoint.sh"]' },
      { createdBy: '/bin/sh -c #(nop)  CMD ["httpd" "-f" "-p" "80" "-h" "/var/www"]' },
    ],
  });
}

/** A small SPDX 2.3 document describing `demo/app` at `version`. */
function spdxDocument(version: string, subject: string, created: string): Uint8Array {
  const document = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `demo/app:${version}`,
    documentNamespace: `${SOURCE}/spdx/demo-app-${subject.slice('sha256:'.length)}`,
    creationInfo: { created, creators: ['Tool: regql-demo'] },
    packages: [
      {
        name: 'demo-app',
        SPDXID: 'SPDXRef-Package-demo-app',
        versionInfo: version,
        downloadLocation: 'NOASSERTION',
        licenseConcluded: 'Apache-2.0',
      },
      {
        name: 'node',
        SPDXID: 'SPDXRef-Package-node',
        versionInfo: '20.18.0',
        downloadLocation: 'https://nodejs.org/dist/v20.18.0/',
        licenseConcluded: 'MIT',
      },
    ],
    relationships: [
      {
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: 'SPDXRef-Package-demo-app',
      },
      {
        spdxElementId: 'SPDXRef-Package-demo-app',
        relationshipType: 'DEPENDS_ON',
        relatedSpdxElement: 'SPDXRef-Package-node',
      },
    ],
  };
  return Buffer.from(`${JSON.stringify(document, null, 2)}\n`);
}

/**
 * Seeds a registry with what a portal would show: `demo/app` (six tags, `latest` sharing
 * 1.10.0's digest, with an SBOM referrer and its referrers tag index), `demo/multiarch:latest`
 * (an OCI index for linux/amd64 and linux/arm64/v8) and `demo/docker-image:v1` (Docker v2).
 */
export async function seedDemo(client: RegistryClient): Promise<DemoSummary> {
  const [apps, amd64, arm64, docker] = await Promise.all([
    appImages(),
    multiarchImage({ os: 'linux', architecture: 'amd64' }, 'x86_64'),
    multiarchImage({ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'aarch64'),
    dockerImage(),
  ]);
  const pusher = new ContentPusher(client);
  const push = async (repository: string, built: BuiltManifest, names: string[]) => {
    const digest = await pusher.push(repository, built, names);
    return names.map((tag): SeededTag => ({ repository, tag, digest }));
  };
  const pushIndex = async () => {
    const children = [amd64, arm64];
    // The registry refuses an index whose children it does not hold yet.
    await Promise.all(children.map((child) => pusher.push('demo/multiarch', child)));
    const entries = children.map(({ manifest, platform }) => ({
      ...manifest.descriptor,
      platform,
    }));
    return push('demo/multiarch', buildIndex(entries), ['latest']);
  };
  const pushed = await Promise.all([
    ...[...apps].map(([version, image]) =>
      push('demo/app', image, version === LATEST_APP_RELEASE ? [version, 'latest'] : [version]),
    ),
    pushIndex(),
    push('demo/docker-image', docker, ['v1']),
  ]);

  const subject = apps.get(LATEST_APP_RELEASE)!.manifest.descriptor;
  const sbomCreated = '2024-10-08T14:20:00Z';
  const annotations = { 'org.opencontainers.image.created': sbomCreated };
  const sbom = buildArtifact({
    artifactType: SBOM_ARTIFACT_TYPE,
    subject,
    blobs: [
      {
        mediaType: SBOM_ARTIFACT_TYPE,
        bytes: spdxDocument(LATEST_APP_RELEASE, subject.digest, sbomCreated),
        annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' },
      },
    ],
    annotations,
  });
  const sbomDigest = await pusher.push('demo/app', sbom);
  // Registry 2.8 has no referrers API: publish the OCI 1.1 referrers tag schema index too.
  const indexTag = referrersTag(subject.digest);
  const referrers = buildIndex([
    { ...sbom.manifest.descriptor, artifactType: SBOM_ARTIFACT_TYPE, annotations },
  ]);
  await pusher.push('demo/app', referrers, [indexTag]);
  return {
    tags: pushed.flat(),
    referrer: {
      repository: 'demo/app',
      digest: sbomDigest,
      artifactType: SBOM_ARTIFACT_TYPE,
      subject: subject.digest,
      indexTag,
    },
    blobs: pusher.blobs,
    bytes: pusher.bytes,
    manifests: pusher.manifests,
  };
}
