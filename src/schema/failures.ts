import type { Context } from '../context.js';

/**
 * One broken object costs one error per operation. Several fields may need the same upstream
 * object (a tag's `digest` and `manifest`; an image's `config`, `platform` and every layer's
 * `diffId` and `createdBy` need its config blob), and a loader rejects every one of them with the
 * same error. The field that is the object (`own`) answers that error at its own path; the fields
 * derived from it (`derived`) are null beside it, and answer the error themselves only when no
 * owning field did (the first of them to fail, then). Kept per operation, only once something
 * failed.
 */
const answered = new WeakMap<Context, WeakSet<object>>();

/** Notes that `error` is answered at some field of the operation; false when it already was. */
function answer(context: Context, error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  let errors = answered.get(context);
  if (!errors) {
    errors = new WeakSet();
    answered.set(context, errors);
  }
  if (errors.has(error)) return false;
  errors.add(error);
  return true;
}

/** The object a field stands for: its failure is this field's error. */
export async function own<T>(context: Context, load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (error) {
    answer(context, error);
    throw error;
  }
}

/** Resolves after the microtasks queued so far: the fields that share a failure have all seen it. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * An object that a field only reads from: null when it failed and an owning field (or an earlier
 * derived one) answers that error, else this field's error.
 */
export async function derived<T>(context: Context, load: Promise<T>): Promise<T | null> {
  try {
    return await load;
  } catch (error) {
    // the owning field, when the operation selects it, sees the same failure in this tick
    await settled();
    if (!answer(context, error)) return null;
    throw error;
  }
}
