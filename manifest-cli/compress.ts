/**
 * Content-Encoding for the development origin, as every real host and CDN does it: text-like
 * answers (HTML, CSS, JavaScript, JSON, XML, SVG, plain text) go out as brotli or gzip when the
 * client accepts it, through `compression` (express's own middleware). Without this, `deploynet
 * serve` sent the page script and the service worker (the bytes every first-time visitor costs the
 * origin however many peers there are) three times larger than any deployment would, and the
 * offload benchmark counted those bytes.
 *
 * Narrower than the middleware's default: never a Range request (its 206's byte offsets refer to
 * the file itself), and only the types below. Fonts, images and media are sent as they are; real
 * sites ship them in compressed formats (WOFF2, PNG, ...) and compressing them here would make
 * the origin look cheaper than the site it serves.
 */
import compression from 'compression';
import type { RequestHandler } from 'express';
import { constants } from 'node:zlib';

const TEXT_TYPE = /^(?:text\/[a-z0-9.+-]+|application\/(?:javascript|ecmascript|json|manifest\+json|ld\+json|xml|[a-z0-9.-]+\+(?:json|xml))|image\/svg\+xml)\s*(?:;|$)/i;

/** Whether answers of this Content-Type are compressed. */
export function isCompressibleType(contentType: unknown): boolean {
  return typeof contentType === 'string' && TEXT_TYPE.test(contentType);
}

/**
 * express middleware: put it after anything that paces or counts the bytes on the wire (they
 * then see the encoded bytes) and before the handler that sends files.
 */
export function compressText(): RequestHandler {
  return compression({
    // Smaller bodies are not worth a header and a decoder.
    threshold: 1024,
    // gzip -9, and brotli 5: about gzip -9's size in a few milliseconds (11 costs ~100x the time for ~10%).
    level: 9,
    brotli: { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } },
    filter: (req, res) => req.headers.range === undefined && isCompressibleType(res.getHeader('Content-Type')),
  });
}
