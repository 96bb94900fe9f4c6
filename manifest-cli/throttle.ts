/**
 * Simulated WAN for the development origin: a token bucket shared by every response of one server
 * (one uplink), applied to a response by pacing its writes. Pieces are at most BURST bytes, so a
 * slow link streams smoothly instead of in large bursts.
 */
import type { ServerResponse } from 'node:http';

const BURST = 16 * 1024;

export class TokenBucket {
  /** When the link is free again, in performance.now() milliseconds. */
  private freeAt = 0;

  constructor(readonly bytesPerSec: number) {}

  /** Milliseconds to wait before sending `bytes`; reserves the link for them. */
  reserve(bytes: number): number {
    const now = performance.now();
    const start = Math.max(now, this.freeAt);
    this.freeAt = start + (bytes / this.bytesPerSec) * 1000;
    return start - now;
  }
}

type WriteCallback = (err?: Error | null) => void;

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
}

/**
 * Paces `res.write`/`res.end` through the bucket. `write` reports backpressure (returns false)
 * and emits 'drain' once the piece has gone out, which is what `stream.pipe(res)` waits for.
 */
export function throttleResponse(res: ServerResponse, bucket: TokenBucket): void {
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as () => ServerResponse;
  let chain: Promise<void> = Promise.resolve();
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  const send = (buf: Buffer): Promise<void> => {
    chain = chain.then(async () => {
      for (let off = 0; off < buf.length && !res.destroyed; off += BURST) {
        const piece = buf.subarray(off, off + BURST);
        await sleep(bucket.reserve(piece.length));
        if (!res.destroyed) write(piece);
      }
    });
    return chain;
  };

  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const callback = [encoding, cb].find((f): f is WriteCallback => typeof f === 'function');
    void send(toBuffer(chunk, encoding)).then(() => {
      callback?.();
      res.emit('drain');
    });
    return false;
  }) as ServerResponse['write'];

  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown): ServerResponse => {
    const callback = [chunk, encoding, cb].find((f): f is () => void => typeof f === 'function');
    const body = chunk !== undefined && chunk !== null && typeof chunk !== 'function' ? toBuffer(chunk, encoding) : undefined;
    if (body && body.length > 0) void send(body);
    void chain.then(() => {
      end();
      callback?.();
    });
    return res;
  }) as ServerResponse['end'];
}
