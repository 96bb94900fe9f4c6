/**
 * Content-Encoding for the development origin, as every real host and CDN does it: text-like
 * answers (HTML, CSS, JavaScript, JSON, XML, SVG, plain text) go out as brotli or gzip when the
 * client accepts it. Without this, `deploynet serve` sent the page script and the service worker
 * (the bytes every first-time visitor costs the origin however many peers there are) three times
 * larger than any deployment would, and the offload benchmark counted those bytes.
 *
 * Deliberately narrow: only whole 200 answers to GET (never a Range request or a 206, whose byte
 * offsets refer to the file itself), and only when no other layer set an encoding. Fonts, images
 * and media are sent as they are; real sites ship them in compressed formats (WOFF2, PNG, ...)
 * and compressing them here would make the origin look cheaper than the site it serves.
 *
 * A file does not change under one ETag, so each encoded body is computed once and kept (keyed by
 * encoding, path and ETag; bounded), like a CDN's cache of encoded variants.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';

export type Encoding = 'br' | 'gzip';

/** Smaller bodies are not worth a header and a decoder. */
const MIN_BYTES = 1024;
/** Bodies are buffered to be encoded whole; larger ones go out as they are. */
const MAX_BYTES = 8 * 1024 * 1024;
/** Encoded bodies kept, total bytes. */
const CACHE_BYTES = 32 * 1024 * 1024;

const TEXT_TYPE = /^(?:text\/[a-z0-9.+-]+|application\/(?:javascript|ecmascript|json|manifest\+json|ld\+json|xml|[a-z0-9.-]+\+(?:json|xml))|image\/svg\+xml)\s*(?:;|$)/i;

/** Whether answers of this Content-Type are compressed. */
export function isCompressibleType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPE.test(contentType);
}

const encoders: Record<Encoding, (body: Buffer) => Promise<Buffer>> = {
  // Quality 5: about gzip -9's size in a few milliseconds; 11 costs ~100x the time for ~10%.
  br: (body) => promisify(brotliCompress)(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gzip: (body) => promisify(gzip)(body, { level: 9 }),
};

/** Encoded bodies by `${encoding} ${path} ${etag}`, oldest first (a Map keeps insertion order). */
class EncodedCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  get(key: string): Buffer | undefined {
    return this.entries.get(key);
  }

  set(key: string, body: Buffer): void {
    if (this.entries.has(key) || body.length > CACHE_BYTES) return;
    this.entries.set(key, body);
    this.bytes += body.length;
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= CACHE_BYTES) break;
      this.entries.delete(oldKey);
      this.bytes -= old.length;
    }
  }
}

function appendVary(res: Response, field: string): void {
  const vary = res.getHeader('Vary');
  const current = typeof vary === 'string' ? vary : Array.isArray(vary) ? vary.join(', ') : '';
  if (!current.split(',').some((f) => f.trim().toLowerCase() === field.toLowerCase() || f.trim() === '*')) {
    res.setHeader('Vary', current ? `${current}, ${field}` : field);
  }
}

type Write = Response['write'];
type End = Response['end'];

/**
 * express middleware: put it after anything that paces or counts the bytes on the wire (they
 * then see the encoded bytes) and before the handler that sends files.
 */
export function compressText(): (req: Request, res: Response, next: NextFunction) => void {
  const cache = new EncodedCache();
  return (req, res, next) => {
    if (req.method !== 'GET' || req.headers.range !== undefined) return next();
    // brotli when accepted (smaller), else gzip. Browsers offer br only over HTTPS.
    const encoding: Encoding | null = req.acceptsEncodings('br') === 'br' ? 'br' : req.acceptsEncodings('gzip') === 'gzip' ? 'gzip' : null;
    const write = res.write.bind(res) as Write;
    const end = res.end.bind(res) as End;
    const restore = (): void => {
      res.write = write;
      res.end = end;
    };
    /** Decided at the first write or end, once the handler has set status and headers. */
    const shouldEncode = (): boolean => {
      const type = res.getHeader('Content-Type');
      if (!isCompressibleType(typeof type === 'string' ? type : undefined)) return false;
      appendVary(res, 'Accept-Encoding'); // for caches: the answer depends on the header either way
      const length = Number(res.getHeader('Content-Length'));
      return (
        encoding !== null &&
        res.statusCode === 200 &&
        !res.headersSent &&
        res.getHeader('Content-Encoding') === undefined &&
        Number.isFinite(length) &&
        length >= MIN_BYTES &&
        length <= MAX_BYTES
      );
    };
    const chunks: Buffer[] = [];
    let decided: boolean | null = null;
    const decide = (): boolean => {
      if (decided === null) {
        decided = shouldEncode();
        if (!decided) restore();
      }
      return decided;
    };

    res.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      if (!decide()) return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      rest.find((f): f is () => void => typeof f === 'function')?.();
      return true;
    }) as Write;

    res.end = ((chunk?: unknown, ...rest: unknown[]): Response => {
      if (!decide()) return (end as (c?: unknown, ...r: unknown[]) => Response)(chunk, ...rest);
      restore();
      if (Buffer.isBuffer(chunk) || typeof chunk === 'string') chunks.push(Buffer.from(chunk));
      const body = Buffer.concat(chunks);
      const etag = res.getHeader('ETag');
      // With the path: express's ETag is only size and mtime, which two files can share.
      const key = typeof etag === 'string' ? `${encoding} ${req.path} ${etag}` : null;
      const cached = key === null ? undefined : cache.get(key);
      void (cached ? Promise.resolve(cached) : encoders[encoding as Encoding](body)).then(
        (encoded) => {
          if (key !== null) cache.set(key, encoded);
          res.setHeader('Content-Encoding', encoding as Encoding);
          res.setHeader('Content-Length', encoded.length);
          // Another representation of the same file: a weak validator, still matched by If-None-Match.
          if (typeof etag === 'string' && !etag.startsWith('W/')) res.setHeader('ETag', `W/${etag}`);
          end(encoded);
        },
        () => end(body), // cannot happen for an in-memory buffer; if it does, send it as it is
      );
      return res;
    }) as End;
    next();
  };
}
