// A registry portal in the terminal, on regql's typed operations (examples/operations/*.graphql,
// typed by `npm run codegen` into examples/generated/) and a standard GraphQL client.
//
//   npx tsx examples/portal.ts REPOSITORY [GRAPHQL_URL]      the tag list, newest first
//   npx tsx examples/portal.ts REPOSITORY:TAG [GRAPHQL_URL]  one image: layers, labels, referrers,
//                                                           and for a multi-arch tag its platforms
//
// GRAPHQL_URL defaults to http://127.0.0.1:4000/graphql (`npm run demo`); PLATFORM=os/arch[/variant]
// picks another platform than this machine's. A part the gateway could not read (a config blob, a
// platform image, referrers) shows as `-`, and the errors it gave (path: message) go to stderr.
import { arch, platform } from 'node:process';
import { pathToFileURL } from 'node:url';
import type { GraphQLError } from 'graphql';
import { GraphQLClient } from 'graphql-request';
import {
  ImageDetailsDocument,
  type ImageRowFragment,
  PlatformPickerDocument,
  PortalTagsDocument,
} from './generated/graphql.js';

/** An OCI platform: os, architecture and an optional variant. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string | null;
}

/** `linux/arm64/v8` from a platform, `-` when unknown. */
const platformName = (p: Platform | null) =>
  p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : '-';

/** `os/arch[/variant]` as a Platform. */
function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  if (!os || !architecture) throw new Error(`platform ${text}: expected os/arch[/variant]`);
  return { os, architecture, variant };
}

/** The platform of this machine, in OCI's words (Node says x64 where OCI says amd64). */
function hostPlatform(): Platform {
  const architectures: Record<string, string> = { x64: 'amd64', ia32: '386' };
  return {
    os: platform === 'win32' ? 'windows' : platform,
    architecture: architectures[arch] ?? arch,
  };
}

/** Bytes as docker prints them: 1.2 kB, 3.4 MB (powers of 1000). */
const size = (bytes: number) => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
};

/** An RFC 3339 time as `2024-05-01 12:30` (UTC), `-` when unknown. */
const date = (created: string | null) => {
  const time = created === null ? Number.NaN : Date.parse(created);
  return Number.isNaN(time) ? '-' : new Date(time).toISOString().slice(0, 16).replace('T', ' ');
};

/** `path: message` of each GraphQL error, one a line. */
const failures = (errors: readonly GraphQLError[]) =>
  errors.map((e) => `${e.path?.join('.') ?? '-'}: ${e.message}`).join('\n');

/**
 * A client that keeps partial answers instead of throwing: a field that failed is null in the data
 * (rendered as `-`) and its error is gathered in `errors`.
 */
function partialClient(endpoint: string) {
  const errors: GraphQLError[] = [];
  const client = new GraphQLClient(endpoint, {
    errorPolicy: 'all',
    responseMiddleware: (response) => {
      if (!(response instanceof Error)) errors.push(...(response.errors ?? []));
    },
  });
  return { client, errors };
}

/** Why a root field is null: the errors the gateway gave for it, or else that there is no such thing. */
const missing = (what: string, errors: readonly GraphQLError[]) =>
  new Error(errors.length > 0 ? `${what}: ${failures(errors)}` : `no ${what}`);

/** Where the errors of a rendered partial answer go unless told otherwise: stderr. */
const toStderr = (errors: string) => console.error(errors);

/** `output`, after handing the errors of its partial answer (if any) to `report`. */
function rendered(
  output: string,
  errors: readonly GraphQLError[],
  report: (errors: string) => void,
) {
  if (errors.length > 0) report(failures(errors));
  return output;
}

/** The first 12 hex digits of a digest, as docker shows image ids. */
const short = (digest: string) => digest.slice(digest.indexOf(':') + 1).slice(0, 12);

/** Rows under a header, in columns padded to their widest cell. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((r) => r[i]?.length ?? 0)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The table row of one image of a tag; an index names the platform of each of its images. */
const imageRow = (tag: string, image: ImageRowFragment, platform = image.platform) => [
  tag,
  platformName(platform),
  size(image.totalSize),
  date(image.config?.created ?? null),
  short(image.digest),
];

/** The tag list of a repository, newest first: a row per image, one per platform of a multi-arch tag. */
export async function tagTable(
  endpoint: string,
  repository: string,
  first = 20,
  report = toStderr,
): Promise<string> {
  const { client, errors } = partialClient(endpoint);
  const data = await client.request(PortalTagsDocument, { repository, first });
  const repo = data?.repository;
  if (!repo) throw missing(`repository ${repository}`, errors);
  const { tags } = repo;
  if (!tags) throw missing(`tags of ${repository}`, errors);
  const rows = tags.nodes.flatMap(({ name, manifest }) => {
    if (!manifest) return [[name, '-', '-', '-', '-']];
    switch (manifest.__typename) {
      case 'ImageManifest':
        return [imageRow(name, manifest)];
      case 'ImageIndex':
        return manifest.manifests.flatMap(({ platform, manifest: image }) => {
          // a platform image that could not be read still gets its row
          if (!image) return [[name, platformName(platform), '-', '-', '-']];
          return image.__typename === 'ImageManifest'
            ? [imageRow(name, image, platform ?? image.platform)]
            : [];
        });
      default:
        return [[name, '-', size(manifest.size), '-', short(manifest.digest)]];
    }
  });
  const shown = tags.totalCount > first ? ` (newest ${first} shown)` : '';
  const header = `${repo.name}: ${tags.totalCount} tags${shown}`;
  const body = table(['TAG', 'PLATFORM', 'SIZE', 'CREATED', 'DIGEST'], rows);
  return rendered(`${header}\n${body}`, errors, report);
}

/** One image in depth: layers, labels and referrers; for a multi-arch index, its platforms and the image for `wanted`. */
export async function imageReport(
  endpoint: string,
  reference: string,
  wanted: Platform = hostPlatform(),
  report = toStderr,
): Promise<string> {
  const { client, errors } = partialClient(endpoint);
  const data = await client.request(ImageDetailsDocument, { reference });
  const image = data?.image;
  if (!image) throw missing(`image ${reference}`, errors);
  const lines = [
    `${reference}  ${image.digest}`,
    `type     ${image.mediaType}`,
    `tags     ${image.tags?.map((t) => t.name).join(', ') ?? '-'}`,
  ];
  if (image.__typename === 'ImageManifest') {
    const { config } = image;
    lines.push(`size     ${size(image.totalSize)}`, `created  ${date(config?.created ?? null)}`);
    for (const { key, value } of config?.labels ?? []) lines.push(`label    ${key}=${value}`);
    const layers = image.layers.map((l) => [
      short(l.digest),
      size(l.size),
      (l.createdBy ?? '-').slice(0, 60),
    ]);
    lines.push('', table(['LAYER', 'SIZE', 'CREATED BY'], layers));
  }
  if (image.__typename === 'ImageIndex') {
    const mark = errors.length;
    const pick = await client.request(PlatformPickerDocument, { reference, ...wanted });
    if (pick?.image?.__typename === 'ImageIndex') {
      const chosen = pick.image.forPlatform;
      // null is "no such platform" only when the gateway reported no error for it
      const unread = errors.slice(mark).some((e) => e.path?.at(-1) === 'forPlatform');
      const platforms = pick.image.manifests.map((m) => [
        m.digest === chosen?.digest ? '*' : '',
        platformName(m.platform),
        m.digest,
      ]);
      lines.push('', table(['', 'PLATFORM', 'DIGEST'], platforms));
      lines.push(
        chosen
          ? `for ${platformName(wanted)}: ${chosen.digest} (${size(chosen.totalSize)})`
          : unread
            ? `for ${platformName(wanted)}: -`
            : `no image for ${platformName(wanted)}`,
      );
    }
  }
  if (image.referrers === null) {
    lines.push('', table(['REFERRER ARTIFACT TYPE', 'DIGEST'], [['-', '-']]));
  } else if (image.referrers.length > 0) {
    const referrers = image.referrers.map((r) => [r.artifactType ?? '-', r.digest]);
    lines.push('', table(['REFERRER ARTIFACT TYPE', 'DIGEST'], referrers));
  }
  return rendered(lines.join('\n'), errors, report);
}

/** The command line: a repository's tag table, or one image's report. */
async function main([target, endpoint = 'http://127.0.0.1:4000/graphql']: string[]) {
  if (!target) throw new Error('usage: portal.ts REPOSITORY[:TAG|@DIGEST] [GRAPHQL_URL]');
  const wanted = process.env.PLATFORM ? parsePlatform(process.env.PLATFORM) : hostPlatform();
  const isImage = /[:@]/.test(target);
  console.log(
    isImage ? await imageReport(endpoint, target, wanted) : await tagTable(endpoint, target),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
