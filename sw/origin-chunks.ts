/**
 * The origin's answer for a run of a file's chunks, cut into those chunks. The origin may answer
 * a Range request with a 206 for exactly that range, or ignore Range and send the whole file
 * (200): then the bytes before the run are skipped. Chunks come out in order as soon as each is
 * complete, not verified: the caller checks each against the manifest (invariant 2).
 */
import { chunkRange, contentRange, type ByteParts } from '../core/index.js';

/** The origin's bytes did not match the manifest (a deploy in progress?), or it answered an error. */
export class OriginMismatch extends Error {
  override readonly name = 'OriginMismatch';
}

/**
 * Chunks `first`..`last` (inclusive) from the origin's `response`, each in the pieces the body
 * was read in (views, no copy). Throws OriginMismatch for an answer that is neither, or that
 * ends before `last`. Stopping early cancels the body.
 */
export async function* originChunks(response: Response, first: number, last: number, size: number, chunkSize: number): AsyncGenerator<{ readonly index: number; readonly parts: ByteParts }> {
  let toSkip = originOffset(response, chunkRange(first, size, chunkSize).start, chunkRange(last, size, chunkSize).end, size);
  let index = first;
  let parts: Uint8Array[] = [];
  let missing = chunkLength(index, size, chunkSize);
  for await (const piece of readBody(response)) {
    const cut = Math.min(toSkip, piece.length);
    toSkip -= cut;
    let data = piece.subarray(cut);
    while (data.length > 0) {
      const take = Math.min(missing, data.length);
      parts.push(data.subarray(0, take));
      missing -= take;
      data = data.subarray(take);
      if (missing > 0) break;
      yield { index, parts };
      if (++index > last) return;
      parts = [];
      missing = chunkLength(index, size, chunkSize);
    }
  }
  throw new OriginMismatch(`the origin's answer ended early, at chunk ${index}`);
}

function chunkLength(index: number, size: number, chunkSize: number): number {
  const { start, end } = chunkRange(index, size, chunkSize);
  return end - start;
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
