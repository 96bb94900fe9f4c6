/**
 * The SW's answer once it holds a listed file whole and verified (from the cache, a peer or the
 * origin): the request's Range header, planned by core's planRange, picks 206 with a slice, 416,
 * or 200 with the whole file. Ranges are always cut from the whole verified file, never fetched
 * as ranges, so no unverified byte is served (invariant 2). A slice of a cached file is cut with
 * Blob.slice, so a small range of a big cached file does not read the file.
 */
import { contentRange, planRange, rangeLength, unsatisfiedRange, type HeaderSet, type ManifestFile, type PartialRange, type Source } from '../core/index.js';
import { assetHeaders, assetResponse } from './respond.js';

/** A whole verified file: its Cache Storage entry, or a Response over a download's verified stream. */
export type WholeFile = Response;

/**
 * The Range header to honour, or null. With If-Range present the Range is ignored (RFC 9110
 * §13.1.5): the SW issues no validators (ETag, Last-Modified), so none can match.
 */
export function requestedRange(headers: Headers): string | null {
  return headers.has('if-range') ? null : headers.get('range');
}

/** `signed`: the file's signed response headers (core's fileHeaders), set on every answer, 206 and 416 included. */
export async function rangeResponse(range: string | null, whole: WholeFile, file: ManifestFile, signed: HeaderSet, source: Source, startedAt: number): Promise<Response> {
  const plan = planRange(range, file.size);
  switch (plan.kind) {
    case 'full':
      return assetResponse(whole.body, file, signed, source, startedAt);
    case 'unsatisfiable': {
      await whole.body?.cancel();
      const headers = assetHeaders(file, signed, source, startedAt, 0);
      headers.delete('content-type');
      headers.set('content-range', unsatisfiedRange(file.size));
      return new Response(null, { status: 416, headers });
    }
    case 'partial': {
      const end = plan.last + 1;
      const body = (await whole.blob()).slice(plan.first, end);
      return partialResponse(body, plan, file, signed, source, startedAt);
    }
  }
}

/** A 206 with `body`, the bytes of `plan` (cut from a whole file, or fetched as those chunks only). */
export function partialResponse(body: BodyInit, plan: PartialRange, file: ManifestFile, signed: HeaderSet, source: Source, startedAt: number): Response {
  const headers = assetHeaders(file, signed, source, startedAt, rangeLength(plan));
  headers.set('content-range', contentRange(plan, file.size));
  return new Response(body, { status: 206, headers });
}
