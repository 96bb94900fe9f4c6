/**
 * Which browser origins may use this node: every origin (`'*'`, the default: fine for a dev node,
 * and for a node shared by sites you do not list) or an exact list such as
 * `['https://example.com', 'http://localhost:8080']`. Checked on the WebSocket upgrade, on every
 * HTTP route but /health and /metrics, and for CORS (only allowed origins are reflected).
 *
 * With a list, a request without an Origin header is refused too: browsers always send one on
 * these requests, so only non-browser clients lack it, and those can claim any Origin anyway.
 * The list keeps other sites' pages off the node; it is not authentication.
 */
import { DeployNetError } from '../core/errors.js';

export type AllowedOrigins = '*' | readonly string[];

/**
 * Validates one configured origin (`scheme://host[:port]`, http or https, no path; a trailing
 * slash is allowed) and returns it as browsers send it: lowercase, default port omitted.
 */
export function parseAllowedOrigin(value: unknown, field = 'allowedOrigins'): string {
  const fail = (): never => {
    throw new DeployNetError('BAD_CONFIG', `${field} must list origins like https://example.com (scheme://host[:port], no path), not ${JSON.stringify(value)}`, { field });
  };
  if (typeof value !== 'string' || value.length > 512) return fail();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail();
  }
  const plain = url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' && url.hash === '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !plain || !/^https?:\/\/[^/?#]+\/?$/i.test(value)) return fail();
  return url.origin;
}

/** Validates the whole setting: `'*'` or a non-empty list of origins (duplicates dropped). */
export function parseAllowedOrigins(value: unknown, field = 'allowedOrigins'): AllowedOrigins {
  if (value === '*') return '*';
  if (!Array.isArray(value) || value.length === 0 || value.length > 1000) {
    throw new DeployNetError('BAD_CONFIG', `${field} must be '*' or a list of 1 to 1000 origins`, { field });
  }
  return [...new Set(value.map((v) => parseAllowedOrigin(v, field)))];
}

/** Whether a request with this Origin header (undefined: none) may use the node. */
export function originAllowed(allowed: AllowedOrigins, origin: string | undefined): boolean {
  if (allowed === '*') return true;
  return origin !== undefined && allowed.includes(origin);
}

/** An Origin header as browsers send it (`scheme://host[:port]` or `null`). */
const ORIGIN_HEADER = /^[\x21-\x7e]{1,512}$/;

/** Validates a request's Origin header; undefined when there is none. */
export function parseRequestOrigin(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ORIGIN_HEADER.test(value)) {
    throw new DeployNetError('SIGNAL_BAD_REQUEST', 'Origin header is malformed', { field: 'Origin' });
  }
  return value;
}
