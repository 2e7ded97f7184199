import { RegistryError } from './errors.js';
import { digestProblem, showInput } from './reference.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A value inside an untrusted JSON document with its path; type errors are UPSTREAM_ERROR "invalid <what>: …". */
export class JsonField {
  /**
   * Wraps `value`, found in a document described as `what` (e.g. "manifest") under `parent` at
   * `key` (an index in an array); the path is spelled out only for an error message.
   */
  constructor(
    readonly value: unknown,
    readonly what: string,
    private readonly parent?: JsonField,
    private readonly key?: string | number,
  ) {}

  /** Where the field is: `layers[0].digest`; '' for the document itself. */
  get path(): string {
    const { parent, key } = this;
    if (parent === undefined || key === undefined) return '';
    if (typeof key === 'number') return `${parent.path}[${key}]`;
    return parent.path === '' ? key : `${parent.path}.${key}`;
  }

  /** True when the field is missing or null (both mean absent). */
  get absent(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** Throws UPSTREAM_ERROR "invalid <what>: <message>". */
  fail(message: string): never {
    throw new RegistryError('UPSTREAM_ERROR', `invalid ${this.what}: ${message}`);
  }

  /** Throws saying the field is missing or is not `expected`. */
  expected(expected: string): never {
    const where = this.path === '' ? 'the document' : this.path;
    if (this.value === undefined) this.fail(`${where} is missing`);
    return this.fail(`${where} must be ${expected}, got ${describe(this.value)}`);
  }

  /** The member `key` of this object; absent when this field is absent, a failure when it is not an object. */
  field(key: string): JsonField {
    if (this.absent) return new JsonField(undefined, this.what, this, key);
    const object = this.object();
    return new JsonField(
      Object.hasOwn(object, key) ? object[key] : undefined,
      this.what,
      this,
      key,
    );
  }

  /** The value as a JSON object. */
  object(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      return this.expected('an object');
    }
    return this.value as Record<string, unknown>;
  }

  /** The elements of an array. */
  items(): JsonField[] {
    if (!Array.isArray(this.value)) return this.expected('an array');
    return this.value.map((item, i) => new JsonField(item, this.what, this, i));
  }

  /** `read(this)`, or undefined when the field is absent. */
  optional<T>(read: (field: JsonField) => T): T | undefined {
    return this.absent ? undefined : read(this);
  }

  /** The value as a string. */
  string(): string {
    return typeof this.value === 'string' ? this.value : this.expected('a string');
  }

  /** The value as a non-empty string. */
  nonEmptyString(): string {
    const value = this.string();
    return value === '' ? this.expected('a non-empty string') : value;
  }

  /** The value as a boolean. */
  boolean(): boolean {
    return typeof this.value === 'boolean' ? this.value : this.expected('a boolean');
  }

  /** The value as a safe integer. */
  integer(): number {
    return Number.isSafeInteger(this.value) ? (this.value as number) : this.expected('an integer');
  }

  /** The value as a byte size: a non-negative safe integer. */
  size(): number {
    const value = this.value;
    return Number.isSafeInteger(value) && (value as number) >= 0
      ? (value as number)
      : this.expected('a non-negative safe integer');
  }

  /** The value as a valid digest of a supported algorithm. */
  digest(): string {
    const value = this.string();
    const problem = digestProblem(value);
    return problem === undefined ? value : this.fail(`${this.path}: ${problem}`);
  }

  /** The value as an array of strings. */
  stringArray(): string[] {
    return this.items().map((item) => item.string());
  }

  /** The value as an object whose members are all strings (the parsed object itself, checked). */
  stringMap(): Record<string, string> {
    const object = this.object();
    for (const key of Object.keys(object)) {
      if (typeof object[key] !== 'string') this.field(key).string();
    }
    return object as Record<string, string>;
  }
}

/** A short description of a JSON value for error messages. */
function describe(value: unknown): string {
  if (typeof value === 'string') return showInput(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

/**
 * Decodes `bytes` as UTF-8 JSON whose top level is an object. Larger than `maxBytes` is
 * INTEGRITY_ERROR; anything else wrong is UPSTREAM_ERROR "invalid <what>: …".
 */
export function parseJsonDocument(
  bytes: Uint8Array,
  what: string,
  maxBytes: number,
): { raw: string; root: JsonField } {
  const unparsed = new JsonField(undefined, what);
  if (bytes.byteLength > maxBytes) {
    throw new RegistryError(
      'INTEGRITY_ERROR',
      `${what} of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes} bytes`,
    );
  }
  let raw: string;
  try {
    raw = UTF8.decode(bytes);
  } catch {
    return unparsed.fail('not UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return unparsed.fail(`not JSON (${(error as Error).message.slice(0, 100)})`);
  }
  const document = new JsonField(value, what);
  document.object();
  return { raw, root: document };
}
