/**
 * Signed response headers: the security headers a site wants on its pages, carried in the manifest
 * (so the Ed25519 signature covers them and no peer can alter them) and set by the service worker on
 * every Response it builds for the file, whether the bytes came from its cache, a peer or the origin.
 * Without them, a page the SW serves loses its origin's CSP, X-Frame-Options and the rest (a
 * Response the SW builds carries only the headers it gives it).
 *
 * Only an allow-list of headers can be signed. Each one acts on the document or resource it comes
 * with and nothing else; everything else a site might send is left out on purpose:
 * - caching headers (Cache-Control, Expires, ETag, Vary): the SW has its own caching semantics
 *   (content-addressed, verified), and a header that claimed otherwise would be a lie;
 * - Link (preload/prefetch would make the SW's answers trigger fetches), Content-Language,
 *   Content-Disposition, CORS headers, Set-Cookie: not security headers, or not DeployNet's to set
 *   on public, shared files;
 * - Strict-Transport-Security: browsers take it only from the network over TLS, never from a SW.
 * The same list is checked at build time (manifest-cli) and when a manifest is parsed (SW, verify),
 * so a manifest with any other header name is malformed.
 */
import { DeployNetError, type ErrorCode } from './errors.js';
import { fail, isRecord } from './validate.js';

/** Lowercase, as they appear in the manifest. */
export const RESPONSE_HEADER_NAMES = [
  'content-security-policy',
  'content-security-policy-report-only',
  /** Where `report-to` in a CSP sends its reports (a CSP without it can only use report-uri). */
  'reporting-endpoints',
  'cross-origin-embedder-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'permissions-policy',
  'referrer-policy',
  'x-content-type-options',
  'x-frame-options',
] as const;

export type ResponseHeaderName = (typeof RESPONSE_HEADER_NAMES)[number];

/** One set of signed headers, names lowercase, values checked by {@link checkHeaderValue}. */
export type HeaderSet = Readonly<Partial<Record<ResponseHeaderName, string>>>;

/** Longest value accepted: room for a long CSP, far below what browsers or servers refuse. */
export const MAX_HEADER_VALUE = 8192;
/** Most distinct header sets one manifest may hold (sites have a handful). */
export const MAX_HEADER_SETS = 1024;

/** Visible ASCII and spaces: no CR, LF or other control character (header injection), no non-ASCII. */
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export function isResponseHeaderName(name: string): name is ResponseHeaderName {
  return RESPONSE_HEADER_NAMES.some((n) => n === name);
}

/** The allow-list as people write it (`Content-Security-Policy, ...`), for error messages and docs. */
export function allowedHeadersText(): string {
  return RESPONSE_HEADER_NAMES.map((n) => n.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())).join(', ');
}

/** A header value, unchanged; throws naming `field` when it is empty, too long or holds CR, LF or other control characters. */
export function checkHeaderValue(value: unknown, field: string, code: ErrorCode): string {
  if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || !HEADER_VALUE.test(value)) {
    fail(code, field, `a header value of 1 to ${MAX_HEADER_VALUE} printable ASCII characters, trimmed`);
  }
  return value;
}

/** A header name the manifest may carry, lowercased; throws naming the header when it is not on the allow-list. */
export function checkHeaderName(name: string, field: string, code: ErrorCode): ResponseHeaderName {
  const lower = name.toLowerCase();
  if (isResponseHeaderName(lower)) return lower;
  throw new DeployNetError(code, `${field}: ${JSON.stringify(name)} is not a header DeployNet can sign; the allowed headers are ${allowedHeadersText()}`, {
    field,
    header: name,
  });
}

/**
 * A header set from outside. `strict` (the manifest): names must already be lowercase and appear once.
 * Otherwise (build input): any case, and a name given twice in different case is refused too, since
 * which one was meant is unclear.
 */
export function parseHeaderSet(value: unknown, field: string, code: ErrorCode, strict = true): HeaderSet {
  return readHeaderSet(value, field, code, strict, (name) => checkHeaderName(name, field, code));
}

/**
 * A manifest's header set: parseHeaderSet with `strict`, except that a name off the allow-list is
 * refused without listing the allowed ones. A manifest is written by `deploynet build`, which
 * gives its user the list; the service worker, which parses manifests, then need not carry it.
 */
export function parseSignedHeaderSet(value: unknown, field: string, code: ErrorCode): HeaderSet {
  return readHeaderSet(value, field, code, true, (name) => {
    const lower = name.toLowerCase();
    if (isResponseHeaderName(lower)) return lower;
    throw new DeployNetError(code, `${field}: ${JSON.stringify(name)} is not a header DeployNet can sign`, { field, header: name });
  });
}

function readHeaderSet(value: unknown, field: string, code: ErrorCode, strict: boolean, nameOf: (name: string) => ResponseHeaderName): HeaderSet {
  if (!isRecord(value)) fail(code, field, 'an object of header names and values');
  const names = Object.keys(value);
  if (names.length === 0) fail(code, field, 'an object with at least one header');
  const out: Partial<Record<ResponseHeaderName, string>> = {};
  for (const name of names) {
    const lower = nameOf(name);
    if (strict && lower !== name) fail(code, `${field}.${name}`, 'written in lowercase');
    if (out[lower] !== undefined) fail(code, `${field}.${name}`, 'given only once');
    out[lower] = checkHeaderValue(value[name], `${field}.${name}`, code);
  }
  return out;
}

/**
 * Sets combined in order: a header in several is joined with `, ` (as Netlify and Cloudflare Pages
 * do, and as HTTP lists are; two CSPs joined so are both enforced). Names come out sorted, so equal
 * sets serialize to equal text.
 */
export function mergeHeaderSets(sets: readonly HeaderSet[]): HeaderSet {
  const merged = new Map<ResponseHeaderName, string>();
  for (const set of sets) {
    for (const name of RESPONSE_HEADER_NAMES) {
      const value = set[name];
      if (value === undefined) continue;
      const before = merged.get(name);
      merged.set(name, before === undefined ? value : `${before}, ${value}`);
    }
  }
  const out: Partial<Record<ResponseHeaderName, string>> = {};
  for (const name of [...merged.keys()].sort()) out[name] = merged.get(name)!;
  return out;
}

/** The entries of a set, for `Headers.set`. */
export function headerEntries(set: HeaderSet): Array<[ResponseHeaderName, string]> {
  const out: Array<[ResponseHeaderName, string]> = [];
  for (const name of RESPONSE_HEADER_NAMES) {
    const value = set[name];
    if (value !== undefined) out.push([name, value]);
  }
  return out;
}
