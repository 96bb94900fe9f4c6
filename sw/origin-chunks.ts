/**
 * The origin's answer for a run of a file's chunks, cut into those chunks. The origin may answer
 * a Range request with a 206 for exactly that range, or ignore Range and send the whole file
 * (200): then the bytes before the run are skipped. Chunks come out in order as soon as each is
 * complete, not verified: the caller checks each against the manifest (invariant 2).
 */
import { chunkRange, contentRange } from '../core/index.js';

/** The origin's bytes did not match the manifest (a deploy in progress?), or it answered an error. */
export class OriginMismatch extends Error {
  override readonly name = 'OriginMismatch';
}

/**
 * Chunks `first`..`last` (inclusive) from the origin's `response`. Throws OriginMismatch for an
 * answer that is neither, or that ends before `last`. Stopping early cancels the body.
 */
export async function* originChunks(response: Response, first: number, last: number, size: number, chunkSize: number): AsyncGenerator<{ readonly index: number; readonly bytes: Uint8Array }> {
  const start = chunkRange(first, size, chunkSize).start;
  const end = chunkRange(last, size, chunkSize).end;
  let toSkip = originOffset(response, start, end, size);
  let index = first;
  let buffer = new Uint8Array(chunkRange(first, size, chunkSize).end - start);
  let filled = 0;
  for await (const piece of readBody(response)) {
    let data = piece;
    if (toSkip > 0) {
      const cut = Math.min(toSkip, data.length);
      data = data.subarray(cut);
      toSkip -= cut;
    }
    while (data.length > 0) {
      const take = Math.min(buffer.length - filled, data.length);
      buffer.set(data.subarray(0, take), filled);
      filled += take;
      data = data.subarray(take);
      if (filled < buffer.length) break;
      yield { index, bytes: buffer };
      if (++index > last) return;
      const next = chunkRange(index, size, chunkSize);
      buffer = new Uint8Array(next.end - next.start);
      filled = 0;
    }
  }
  throw new OriginMismatch(`the origin's answer ended early, at chunk ${index}`);
}

/**
 * How many bytes of the origin's body come before `start`: 0 for a 206 with the asked range, or
 * `start` for a 200 (an origin that ignores Range sends the whole file). Anything else is refused.
 */
export function originOffset(response: Response, start: number, end: number, size: number): number {
  if (response.status === 206) {
    const expected = contentRange({ kind: 'partial', first: start, last: end - 1 }, size);
    if (response.headers.get('content-range') !== expected) throw new OriginMismatch(`the origin's Content-Range is not ${expected}`);
    return 0;
  }
  if (response.status === 200) return start;
  throw new OriginMismatch(`the origin answered ${response.status}`);
}

async function* readBody(response: Response): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early (the run is complete, or failed): do not keep downloading the rest.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}
