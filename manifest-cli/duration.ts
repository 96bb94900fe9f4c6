/** Durations on the command line and in build options: `30d`, `12h`, `90m`, `3600s`. */
import { DeployNetError } from '../core/errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
/** Ten years: a manifest that never expires would defeat the freeze protection (invariant 3). */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

/** Milliseconds; BAD_ARGUMENT for anything but a positive whole number and one unit. */
export function parseDuration(value: unknown, field = 'expires'): number {
  const m = typeof value === 'string' ? /^([1-9][0-9]{0,9})([dhms])$/.exec(value) : null;
  const unit = m ? UNIT_MS[m[2]!] : undefined;
  if (m && unit !== undefined) {
    const ms = Number(m[1]) * unit;
    if (ms <= MAX_DURATION_MS) return ms;
  }
  throw new DeployNetError('BAD_ARGUMENT', `${field} must be a duration such as 30d, 12h, 90m or 3600s (at most 10 years), not ${JSON.stringify(value)}`, { field });
}
