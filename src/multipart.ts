import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The limits of a GraphQL multipart request. */
export interface MultipartLimits {
  /** Largest file, in bytes (MAX_CHUNK_BYTES). */
  fileBytes: number;
  /** Largest `operations` or `map` field, in bytes (MAX_BODY_BYTES). */
  fieldBytes: number;
}

/**
 * Bytes of a file held for its reader before the request is paused: enough to keep the
 * upstream connection busy while the client's next bytes come, little next to a 16 MiB chunk.
 */
const FILE_BUFFER_BYTES = 1024 * 1024;

/** A refusal of the request as the contract has it: BAD_USER_INPUT, with an HTTP status. */
function refusal(status: 400 | 413, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status } } });
}

/** Does nothing: callbacks not set yet, and errors that reach their owner another way. */
function ignore(): void {}

/**
 * The file of a multipart request, read while it arrives: `stream()` pulls the bytes from the
 * request as the client sends them, so a slow reader slows the client (backpressure) and no
 * more than a few buffers of the file are held at any time.
 */
export class FilePart {
  /** Bytes read so far: the file's size once `stream()` has ended. */
  bytesRead = 0;
  private readonly aborter = new AbortController();

  constructor(
    /** True when the file has no bytes at all (known before it is read). */
    readonly empty: boolean,
    private readonly source: BusboyFileStream,
    private readonly form: MultipartForm,
  ) {}

  /** Fires when the request fails while the file is read (see `failure`). */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /**
   * Why the request failed after its operation began: a file over the limit, a malformed or
   * truncated body, the client gone. The reader's own errors come from this one.
   */
  get failure(): GraphQLError | undefined {
    return this.form.failure;
  }

  /**
   * The bytes as they arrive. The stream ends only once the whole request has been read and
   * found sound, and throws `failure` otherwise.
   */
  async *stream(): AsyncGenerator<Uint8Array> {
    for await (const chunk of this.source.iterator({ destroyOnReturn: false })) {
      this.bytesRead += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    await this.form.done;
  }

  /** Ends the reading with `error`: the signal fires, then the reader's next read throws. */
  fail(error: GraphQLError): void {
    this.aborter.abort(error);
    this.source.destroy(error);
  }
}

/** `request.body` chunks as Buffers, without copying. */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/** The boundary parameter of a multipart Content-Type, if any. */
function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Sets `value` at a dotted path (`variables.chunk`) of `object`, creating objects on the way. */
function setPath(object: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let current = object as Record<string, unknown>;
  for (const [index, key] of keys.entries()) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    if (index === keys.length - 1) {
      current[key] = value;
      return;
    }
    const next = current[key];
    if (typeof next !== 'object' || next === null || !Object.hasOwn(current, key)) {
      current[key] = {};
    }
    current = current[key] as Record<string, unknown>;
  }
}

/** The `operations` field: one GraphQL request (an object), or a batch of them (an array). */
function parseOperations(text: string): object {
  let operations: unknown;
  try {
    operations = JSON.parse(text);
  } catch {
    throw refusal(400, 'multipart field "operations" must be valid JSON');
  }
  if (typeof operations !== 'object' || operations === null) {
    throw refusal(400, 'multipart field "operations" must be a JSON object');
  }
  return operations;
}

/** The `map` field: the one file part it names and the variable path that part fills. */
function parseMap(text: string): Map<string, string> {
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch {
    throw refusal(400, 'multipart field "map" must be valid JSON');
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw refusal(400, 'multipart field "map" must be a JSON object');
  }
  const entries = Object.entries(map);
  if (entries.length > 1) throw refusal(400, 'send one file per request');
  const parts = new Map<string, string>();
  for (const [name, paths] of entries) {
    if (!Array.isArray(paths) || paths.length !== 1 || typeof paths[0] !== 'string') {
      throw refusal(400, `multipart map entry "${name}" must name exactly one variable`);
    }
    parts.set(name, paths[0]);
  }
  return parts;
}

/**
 * One multipart request being read: fields and parts go through busboy as the body arrives, and
 * the GraphQL parameters are ready as soon as `operations`, `map` and the start of the mapped
 * file have come (or the body has ended, for a request without files).
 */
class MultipartForm {
  /** The GraphQL parameters, with the file (a FilePart) in its variable. */
  readonly params: Promise<unknown>;
  /** Settles once the whole body has been read: fulfilled when sound, else with `failure`. */
  readonly done: Promise<void>;
  failure: GraphQLError | undefined;
  private resolveParams: (params: unknown) => void = ignore;
  private rejectParams: (error: GraphQLError) => void = ignore;
  private resolveDone: () => void = ignore;
  private rejectDone: (error: GraphQLError) => void = ignore;
  private paramsReady = false;
  private finished = false;
  private discarding = false;
  /** Wakes the pump waiting for busboy to take more (when discarding starts instead). */
  private wake: () => void = ignore;
  private operations: object | undefined;
  private map: Map<string, string> | undefined;
  private file: FilePart | undefined;
  /** The mapped file part as busboy gives it (before it becomes `file`). */
  private fileSource: BusboyFileStream | undefined;
  /** Whether the file's size was checked against the request's Content-Length yet. */
  private sizeChecked = false;
  private readonly busboy: BusboyInstance | undefined;

  constructor(
    request: Request,
    private readonly limits: MultipartLimits,
  ) {
    this.params = new Promise((resolve, reject) => {
      this.resolveParams = resolve;
      this.rejectParams = reject;
    });
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(ignore);
    const contentType = request.headers.get('content-type') ?? '';
    try {
      this.busboy = Busboy({
        headers: { 'content-type': contentType },
        limits: { files: 1, fileSize: limits.fileBytes, fieldSize: limits.fieldBytes },
        fileHwm: FILE_BUFFER_BYTES,
      });
    } catch (error) {
      this.fail(refusal(400, `malformed multipart request: ${(error as Error).message}`));
      return;
    }
    this.busboy.on('field', (name, value, _nameTruncated, valueTruncated) =>
      this.field(name, value, valueTruncated),
    );
    this.busboy.on('file', (name, stream) => this.fileStarts(name, stream));
    this.busboy.on('filesLimit', () => this.fail(refusal(400, 'send one file per request')));
    this.busboy.on('error', (error: Error) =>
      this.fail(refusal(400, `malformed multipart body: ${error.message}`)),
    );
    this.busboy.on('finish', () => this.finish());
    const length = request.headers.get('content-length');
    const closing = `\r\n--${boundaryOf(contentType)}--\r\n`.length;
    void this.pump(request.body, length === null ? undefined : Number(length) - closing);
  }

  /** Stops parsing: whatever of the body is still to come is read and dropped. */
  discard(): void {
    this.discarding = true;
    this.wake();
  }

  /** Fails the request: before its operation runs, refuses it; after, fails the file's reader. */
  private fail(error: GraphQLError): void {
    if (this.failure || this.finished) return;
    this.failure = error;
    this.rejectParams(error);
    this.rejectDone(error);
    this.file?.fail(error);
    this.discard();
  }

  /**
   * Feeds the body to busboy as busboy takes it (it waits while the file's reader does). With a
   * Content-Length, `room` is how many bytes the body has besides the final boundary.
   */
  private async pump(body: ReadableStream<Uint8Array> | null, room: number | undefined) {
    const busboy = this.busboy;
    if (!busboy) return;
    let written = 0;
    try {
      for await (const chunk of (body ?? []) as unknown as AsyncIterable<Uint8Array>) {
        if (this.discarding) continue;
        written += chunk.length;
        const more = busboy.write(asBuffer(chunk));
        if (room !== undefined) this.checkFileSize(room - written);
        if (!more && !this.discarding) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            busboy.once('drain', resolve);
          });
          busboy.removeListener('drain', this.wake);
        }
      }
      if (!this.discarding) busboy.end();
    } catch (error) {
      this.fail(
        error instanceof GraphQLError
          ? error // Yoga's own limit on the body
          : refusal(400, 'the request body ended early (did the client go away?)'),
      );
    }
  }

  /**
   * Refuses a file that the Content-Length shows to be too big, before its operation runs (so
   * before anything goes upstream): once the file has begun, it can be at most what busboy has
   * found of it so far plus what is still to come.
   */
  private checkFileSize(toCome: number): void {
    if (!this.fileSource || this.sizeChecked) return;
    this.sizeChecked = true;
    if (this.fileSource.bytesRead + toCome > this.limits.fileBytes) this.tooLarge();
  }

  private tooLarge(): void {
    this.fail(refusal(413, `the file exceeds the limit of ${this.limits.fileBytes} bytes`));
  }

  private field(name: string, value: string, truncated: boolean): void {
    if (name !== 'operations' && name !== 'map') return;
    if (truncated) {
      this.fail(refusal(413, `multipart field "${name}" exceeds ${this.limits.fieldBytes} bytes`));
      return;
    }
    try {
      if (name === 'map') this.map = parseMap(value);
      else this.operations = parseOperations(value);
    } catch (error) {
      this.fail(error as GraphQLError);
    }
  }

  /** A file part begins: the mapped one completes the parameters; others are dropped. */
  private fileStarts(name: string, stream: BusboyFileStream): void {
    stream.on('error', ignore); // failures reach the reader through its iterator
    const path = this.map?.get(name);
    if (this.operations === undefined || this.map === undefined) {
      this.fail(refusal(400, 'send the "operations" and "map" fields before the files'));
      return;
    }
    if (path === undefined) {
      stream.resume();
      return;
    }
    this.map.delete(name);
    this.fileSource = stream;
    stream.on('limit', () => this.tooLarge());
    // 'readable' comes with the first bytes, or at the end of an empty file
    stream.once('readable', () => {
      if (this.failure) return;
      const file = new FilePart(stream.readableLength === 0, stream, this);
      this.file = file;
      setPath(this.operations, path, file);
      this.paramsReady = true;
      this.resolveParams(this.operations);
    });
  }

  /** The body has been read to its end: the parameters, if not yet given, and `done`. */
  private finish(): void {
    if (this.failure) return;
    if (!this.paramsReady) {
      if (this.operations === undefined) {
        this.fail(refusal(400, 'multipart field "operations" is missing'));
        return;
      }
      const [missing] = this.map?.keys() ?? [];
      if (missing !== undefined) {
        this.fail(refusal(400, `the multipart map names part "${missing}", which is missing`));
        return;
      }
      this.paramsReady = true;
      this.resolveParams(this.operations);
    }
    this.finished = true;
    this.resolveDone();
  }
}

/** True for a POST of `multipart/form-data`. */
function isMultipart(request: Request): boolean {
  const type = request.headers.get('content-type') ?? '';
  return request.method === 'POST' && /^multipart\/form-data\s*(;|$)/i.test(type);
}

/**
 * GraphQL multipart requests read as streams, in place of Yoga's parser (which reads every file
 * whole before the operation runs): the operation starts once its file begins, and the file's
 * `stream()` reads the rest of the request as the resolver sends it on. Whatever the operation
 * leaves unread (a refused operation, a file it never used) is read and dropped once it answers.
 */
export function useStreamingMultipart(limits: MultipartLimits): Plugin {
  const forms = new WeakMap<Request, MultipartForm>();
  return {
    onRequestParse({ request, setRequestParser }) {
      if (!isMultipart(request)) return;
      setRequestParser((limited) => {
        const form = new MultipartForm(limited, limits);
        forms.set(request, form);
        return form.params as ReturnType<Parameters<typeof setRequestParser>[0]>;
      });
    },
    onResponse({ request }) {
      forms.get(request)?.discard();
    },
  };
}
