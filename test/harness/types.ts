/** How a test registry authenticates its callers. */
export type RegistryFlavour = 'open' | 'basic' | 'token';

/** A running test registry, as plain JSON (it passes through vitest's provide/inject). */
export interface RegistryInfo {
  /** How the registry authenticates. */
  flavour: RegistryFlavour;
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string;
  /** The registry's filesystem storage root. */
  storageDir: string;
  /** Username to password; empty for the open registry. */
  users: Record<string, string>;
  /** Token flavour: the issuer's token endpoint (the challenge's realm). */
  tokenRealm?: string;
  /** Token flavour: the service name the registry and the issuer agree on. */
  service?: string;
}

/** A single-platform image as skopeo reports it. */
export interface ImageFixture {
  /** Repository name, e.g. `fixtures/oci-image`. */
  repository: string;
  /** Tag it was pushed as. */
  tag: string;
  /** Manifest digest (sha256 of the bytes `skopeo inspect --raw` read). */
  digest: string;
  /** The manifest's mediaType field. */
  mediaType: string;
  /** Digest of the config blob. */
  configDigest: string;
  /** Digests of the layers, bottom first. */
  layerDigests: string[];
}

/** One platform of a multi-arch index. */
export interface PlatformFixture {
  /** Operating system, e.g. `linux`. */
  os: string;
  /** CPU architecture, e.g. `arm64`. */
  architecture: string;
  /** CPU variant, e.g. `v8`, when the index names one. */
  variant?: string;
  /** Digest of that platform's image manifest. */
  digest: string;
}

/** The content every test registry is seeded with. */
export interface Fixtures {
  /** Docker v2 schema 2 image with two layers and a rich config (env, labels, cmd, ports, history). */
  dockerImage: ImageFixture;
  /** OCI image with manifest annotations; subject of the referrer. */
  ociImage: ImageFixture;
  /** `public/hello:latest`, pullable by bob and anonymously on the token registry. */
  publicImage: ImageFixture;
  /** OCI index with linux/amd64 and linux/arm64/v8. */
  multiArch: {
    repository: string;
    tag: string;
    digest: string;
    mediaType: string;
    platforms: PlatformFixture[];
  };
  /** Several tags of one repository that share one manifest digest. */
  shared: { repository: string; tags: string[]; digest: string };
  /** An OCI artifact whose subject is `ociImage`, plus its `sha256-<hex>` referrers tag index. */
  referrer: {
    repository: string;
    tag: string;
    subjectDigest: string;
    artifactDigest: string;
    artifactType: string;
    referrersTag: string;
    referrersIndexDigest: string;
  };
  /** A repository with five tags, to page through at a small page size. */
  paged: { repository: string; tags: string[]; digest: string };
}

/** One seeded registry. */
export interface SeededRegistry {
  /** Where it runs. */
  registry: RegistryInfo;
  /** What it holds. */
  fixtures: Fixtures;
}

/** What global setup provides to integration tests as `inject('harness')`. */
export type HarnessInfo = Record<RegistryFlavour, SeededRegistry>;

/** Counters of the test token issuer. */
export interface TokenStats {
  /** Requests to the token endpoint, answered or refused. */
  requests: number;
  /** Tokens issued. */
  issued: number;
  /** Requests refused (bad credentials, bad scope or service). */
  refused: number;
  /** Tokens issued per account (`''` for anonymous). */
  issuedTo: Record<string, number>;
}

declare module 'vitest' {
  /** Values global setup provides to tests. */
  export interface ProvidedContext {
    /** The three seeded test registries. */
    harness: HarnessInfo;
  }
}
