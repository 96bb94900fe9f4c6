/** Responses the SW produces: always with x-deploynet-source and Server-Timing (design contract). */
import { SOURCE_HEADER, serverTimingValue, type ManifestFile, type Source } from '../core/index.js';

/**
 * Headers of every answer built from a listed file: its type, the body's length, Accept-Ranges
 * (the SW honours single byte ranges, see range-response.ts) and where the bytes came from.
 */
export function assetHeaders(file: ManifestFile, source: Source, startedAt: number, length: number): Headers {
  return new Headers({
    'content-type': file.type,
    'content-length': String(length),
    'accept-ranges': 'bytes',
    [SOURCE_HEADER]: source,
    'server-timing': serverTimingValue(source, performance.now() - startedAt),
  });
}

export function assetResponse(body: BodyInit | null, file: ManifestFile, source: Source, startedAt: number, extra: Record<string, string> = {}): Response {
  const headers = assetHeaders(file, source, startedAt, file.size);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(body, { status: 200, headers });
}

/** Origin bytes that did not match the manifest (a deploy in progress?): passed on, never cached. */
export function unverifiedOriginResponse(body: ArrayBuffer, origin: Response, startedAt: number): Response {
  const headers = new Headers(origin.headers);
  headers.set(SOURCE_HEADER, 'origin');
  headers.set('x-deploynet-verified', 'false');
  headers.set('server-timing', serverTimingValue('origin', performance.now() - startedAt));
  return new Response(body, { status: origin.status, statusText: origin.statusText, headers });
}
