/**
 * Which address a request comes from, and the key its limits are counted under.
 *
 * With no proxy in front (trustProxy 0, the default) the address is the TCP peer's:
 * X-Forwarded-For is only what a client says about itself and is ignored (security invariant 8).
 * Behind `trustProxy` proxies that each append the address they saw, the client is the entry that
 * many places from the right of [...X-Forwarded-For, TCP peer]. A chain shorter than that, or an
 * entry that is not an IP address (a misconfigured proxy), falls back to the TCP peer: limits then
 * get stricter, never looser.
 *
 * Keys: an IPv4 address as is (also when IPv4-mapped, `::ffff:192.0.2.1`); an IPv6 address by its
 * /64 prefix, because one IPv6 host usually holds a whole /64.
 */
import { isIP } from 'node:net';

export function clientAddress(remote: string | undefined, forwardedFor: string | readonly string[] | undefined, trustProxy: number): string {
  const peer = remote ?? 'unknown';
  if (trustProxy <= 0 || forwardedFor === undefined) return peer;
  const text = typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',');
  const chain = [...text.split(',').map((s) => s.trim()).filter((s) => s !== ''), peer];
  const candidate = chain[chain.length - 1 - trustProxy];
  return candidate !== undefined && isIP(candidate) !== 0 ? candidate : peer;
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  const text = address.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  if (isIP(text) !== 6) return null;
  const [head = '', tail] = text.split('::');
  const part = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const toGroups = (items: string[]): number[] =>
    items.flatMap((g) => {
      if (!g.includes('.')) return [Number.parseInt(g, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number); // embedded IPv4 (::ffff:1.2.3.4)
      return [a * 256 + b, c * 256 + d];
    });
  const left = toGroups(part(head));
  const right = tail === undefined ? [] : toGroups(part(tail));
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const groups = [...left, ...zeros, ...right];
  return groups.length === 8 ? groups : null;
}

/** The key per-address limits are counted under (see the file comment). */
export function addressKey(address: string): string {
  const groups = ipv6Groups(address);
  if (groups === null) return address.toLowerCase();
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  }
  return `${[g0, g1, g2, g3].map((g) => g.toString(16)).join(':')}::/64`;
}
