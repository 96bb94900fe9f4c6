/** Small helpers shared by unit tests across folders. */
import { DeployNetError } from '../../core/errors.js';

/** mulberry32: a small seeded PRNG, so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The DeployNetError code `fn` throws, or 'accepted' when it returns. Other errors propagate. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DeployNetError) return error.code;
    throw error;
  }
  return 'accepted';
}

/** The DeployNetError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejectionOf(promise: Promise<unknown>): Promise<DeployNetError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof DeployNetError) return error;
  throw new Error(`expected a DeployNetError, got ${String(error)}`);
}
