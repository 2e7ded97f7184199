/** `value`, asserted present: throws `expected WHAT to be present` when a nullable field came back null or undefined. */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) {
    throw new Error(`expected ${what} to be present, got ${value}`);
  }
  return value;
}
