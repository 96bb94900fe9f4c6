/**
 * Responses the SW produces: always with x-deploynet-source and Server-Timing (design contract),
 * and with the file's signed response headers (its CSP, X-Frame-Options, …: core/response-headers.ts),
 * whatever the source. A Response the SW builds carries only the headers given here, so without
 * them a page served from the cache or a peer would lose the policies its origin sends.
 */
import { SOURCE_HEADER, serverTimingValue, type HeaderSet, type ManifestFile, type Source } from '../core/index.js';
import { headerEntries } from '../core/response-headers.js';

/**
 * Headers of every answer built from a listed file: its signed headers, its type, the body's
 * length, Accept-Ranges (the SW honours single byte ranges, see range-response.ts) and where the
 * bytes came from. The signed names never collide with the SW's own (the allow-list has none of them).
 */
export function assetHeaders(file: ManifestFile, signed: HeaderSet, source: Source, startedAt: number, length: number): Headers {
  const headers = new Headers(headerEntries(signed));
  headers.set('content-type', file.type);
  headers.set('content-length', String(length));
  headers.set('accept-ranges', 'bytes');
  headers.set(SOURCE_HEADER, source);
  headers.set('server-timing', serverTimingValue(source, performance.now() - startedAt));
  return headers;
}

export function assetResponse(body: BodyInit | null, file: ManifestFile, signed: HeaderSet, source: Source, startedAt: number): Response {
  return new Response(body, { status: 200, headers: assetHeaders(file, signed, source, startedAt, file.size) });
}

/**
 * Origin bytes that did not match the manifest (a deploy in progress?): passed on, never cached.
 * This is the origin's own answer, so its headers go with it, as they would without DeployNet; a
 * signed header the origin did not send is added, so a site that declares its policies only to
 * DeployNet (`_headers` on a host that ignores that file) keeps them on this path too.
 */
export function unverifiedOriginResponse(body: ArrayBuffer, origin: Response, signed: HeaderSet, startedAt: number): Response {
  const headers = new Headers(origin.headers);
  for (const [name, value] of headerEntries(signed)) if (!headers.has(name)) headers.set(name, value);
  headers.set(SOURCE_HEADER, 'origin');
  headers.set('x-deploynet-verified', 'false');
  headers.set('server-timing', serverTimingValue('origin', performance.now() - startedAt));
  return new Response(body, { status: origin.status, statusText: origin.statusText, headers });
}

