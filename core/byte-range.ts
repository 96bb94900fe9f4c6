/**
 * Range requests (RFC 9110 §14), pure: what to answer to a `Range` header for a resource whose
 * size is known. DeployNet answers one range at most; everything it cannot or will not honour is
 * ignored, which the RFC allows (a server MAY ignore Range and send 200 with the whole body):
 *
 *   no header, another unit, bad syntax, `b < a`, several ranges → { kind: 'full' }   (200)
 *   `bytes=a-b`, `bytes=a-`, `bytes=-n`, satisfiable           → { kind: 'partial' } (206)
 *   first-pos >= size, or a suffix of 0                          → { kind: 'unsatisfiable' } (416)
 *
 * Grammar (§14.1.1): `range-unit "=" 1#range-spec`; the unit is case-insensitive; the value may
 * carry whitespace at its ends and list elements OWS around them, empty elements are skipped
 * (§5.6.1); nothing else may hold spaces (`bytes = 0-1` is ignored).
 * Positions are parsed as BigInt, so any length of digits compares exactly.
 */
import { DeployNetError } from './errors.js';

export type RangePlan =
  | { readonly kind: 'full' }
  /** `first` and `last` are inclusive byte positions, as in Content-Range. */
  | { readonly kind: 'partial'; readonly first: number; readonly last: number }
  | { readonly kind: 'unsatisfiable' };

export type PartialRange = Extract<RangePlan, { kind: 'partial' }>;

const FULL: RangePlan = { kind: 'full' };
const UNSATISFIABLE: RangePlan = { kind: 'unsatisfiable' };
const OWS = /^[ \t]+|[ \t]+$/g;
const INT_RANGE = /^([0-9]+)-([0-9]*)$/;
const SUFFIX_RANGE = /^-([0-9]+)$/;

/** Plans the answer to `header` (the Range field value, or null/undefined when absent). */
export function planRange(header: string | null | undefined, size: number): RangePlan {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new DeployNetError('BAD_ARGUMENT', `a resource size must be a whole number of bytes, not ${size}`, { size });
  }
  if (header === null || header === undefined) return FULL;
  const value = header.replace(OWS, '');
  const equals = value.indexOf('=');
  if (equals < 0 || value.slice(0, equals).toLowerCase() !== 'bytes') return FULL;
  const specs = value
    .slice(equals + 1)
    .split(',')
    .map((s) => s.replace(OWS, ''))
    .filter((s) => s !== '');
  if (specs.length !== 1) return FULL; // none (bad syntax) or several (we send one body, not multipart)
  const spec = specs[0]!;
  const total = BigInt(size);

  const suffix = SUFFIX_RANGE.exec(spec);
  if (suffix) {
    const length = BigInt(suffix[1]!);
    if (length === 0n) return UNSATISFIABLE;
    // A zero-length resource has no byte to name in Content-Range: send it (empty) whole.
    if (size === 0) return FULL;
    return { kind: 'partial', first: Number(length >= total ? 0n : total - length), last: size - 1 };
  }

  const int = INT_RANGE.exec(spec);
  if (!int) return FULL;
  const first = BigInt(int[1]!);
  const last = int[2] === '' ? undefined : BigInt(int[2]!);
  if (last !== undefined && last < first) return FULL; // invalid per §14.1.1: ignore the header
  if (first >= total) return UNSATISFIABLE;
  return { kind: 'partial', first: Number(first), last: Number(last === undefined || last >= total ? total - 1n : last) };
}

/** Bytes in a partial range. */
export function rangeLength(range: PartialRange): number {
  return range.last - range.first + 1;
}

/** Content-Range of a 206: `bytes first-last/size`. */
export function contentRange(range: PartialRange, size: number): string {
  return `bytes ${range.first}-${range.last}/${size}`;
}

/** Content-Range of a 416: `bytes *\/size`. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
