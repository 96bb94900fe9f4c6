/** Responses the SW produces: always with x-deploynet-source and Server-Timing (design contract). */
import { SOURCE_HEADER, serverTimingValue, type ManifestFile, type Source } from '../core/index.js';

export function assetResponse(body: BodyInit | null, file: ManifestFile, source: Source, startedAt: number, extra: Record<string, string> = {}): Response {
  const headers = new Headers({
    'content-type': file.type,
    'content-length': String(file.size),
    [SOURCE_HEADER]: source,
    'server-timing': serverTimingValue(source, performance.now() - startedAt),
    ...extra,
  });
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
