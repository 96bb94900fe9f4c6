/** Compares two secrets (PeerJS tokens, site tokens) in time that does not depend on where they differ. */
import { timingSafeEqual } from 'node:crypto';

export function secretEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `value` is one of `secrets`; every entry is compared, so the time does not say which. */
export function secretIn(secrets: readonly string[], value: string): boolean {
  let found = false;
  for (const secret of secrets) found = secretEqual(secret, value) || found;
  return found;
}
