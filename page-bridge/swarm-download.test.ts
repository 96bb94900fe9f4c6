/**
 * downloadChunks over in-memory fake links (real timers, short idle times), on real bytes with
 * real SHA-256 chunk hashes: spreading, per-peer limits, timeouts and backoff, bad chunks, peers
 * that lack the file, give-ups, the endgame race, drop(), abort and deadlines.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeployNetError, MIN_CHUNK_SIZE, RejectReason, chunkCount, chunkRange, joinParts, rendezvousOwner, webCrypto, type ByteParts } from '../core/index.js';
import { prng } from '../test/unit/test-kit.js';
import type { FileHoldings } from './chunk-sources.js';
import type { Held } from './holdings.js';
import { PeerScores, type PeerScoreOptions } from './peer-scores.js';
import { downloadChunks, type ChunkLink, type DownloadHandle, type DownloadOptions, type DownloadResult, type DownloadTarget } from './swarm-download.js';

const CHUNK = MIN_CHUNK_SIZE; // 16 KiB
const crypto = webCrypto(globalThis.crypto.subtle);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function randomBytes(seed: number, n: number): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

const FILE = randomBytes(11, 11 * CHUNK + 321); // 12 chunks, the last one short
const COUNT = chunkCount(FILE.length, CHUNK);
const ALL = Array.from({ length: COUNT }, (_, i) => i);
const TARGET: DownloadTarget = {
  sha256: sha(FILE),
  size: FILE.length,
  chunkSize: CHUNK,
  chunks: ALL.map((i) => {
    const { start, end } = chunkRange(i, FILE.length, CHUNK);
    return sha(FILE.subarray(start, end));
  }),
  want: ALL,
};

/** A big file for tests that need a peer kept busy for a while. */
const BIG = randomBytes(12, 24 * CHUNK);
const BIG_TARGET: DownloadTarget = {
  sha256: sha(BIG),
  size: BIG.length,
  chunkSize: CHUNK,
  chunks: Array.from({ length: 24 }, (_, i) => sha(BIG.subarray(i * CHUNK, (i + 1) * CHUNK))),
  want: Array.from({ length: 24 }, (_, i) => i),
};

function chunkOf(file: Uint8Array, index: number): Uint8Array {
  const { start, end } = chunkRange(index, file.length, CHUNK);
  return file.slice(start, end);
}

/** What a fake link does with one request. A pending request always ends at min(idle, deadline) with PEER_TIMEOUT, like PeerLink. */
type Answer =
  | { readonly kind: 'serve'; readonly afterMs?: number }
  | { readonly kind: 'wrong'; readonly afterMs?: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reject'; readonly reason: RejectReason; readonly afterMs?: number };

const serve = (afterMs = 1): Answer => ({ kind: 'serve', afterMs });
const wrong = (afterMs = 1): Answer => ({ kind: 'wrong', afterMs });
const hang: Answer = { kind: 'hang' };
const reject = (reason: RejectReason, afterMs = 1): Answer => ({ kind: 'reject', reason, afterMs });

/**
 * An in-memory ChunkLink holding `file`. `answer(index, nth)` scripts each request (`nth`: how
 * often this link was asked this chunk before). Records what was asked, cancelled and timed out.
 */
class FakeLink implements ChunkLink {
  isOpen = true;
  readonly asked: number[] = [];
  readonly served: number[] = [];
  readonly cancelled: number[] = [];
  readonly timedOut: number[] = [];
  /** Requests that did not ask for a whole chunk of the target (should stay empty). */
  readonly malformed: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Requests made after this link's first REJECT reached the requester. */
  askedAfterReject = 0;
  private rejected = false;
  private readonly fileSha: string;

  constructor(
    readonly peerId: string,
    private readonly answer: (index: number, nth: number) => Answer,
    private readonly file: Uint8Array = FILE,
  ) {
    this.fileSha = sha(file);
  }

  request(sha256: string, start: number, end: number, deadline: number, idleMs: number, onProgress?: (received: number) => void, signal?: AbortSignal): Promise<ByteParts> {
    const index = Math.floor(start / CHUNK);
    if (sha256 !== this.fileSha || start % CHUNK !== 0 || end !== chunkRange(index, this.file.length, CHUNK).end) this.malformed.push(`${sha256.slice(0, 8)} ${start}-${end}`);
    if (this.rejected) this.askedAfterReject++;
    const nth = this.asked.filter((i) => i === index).length;
    this.asked.push(index);
    if (signal?.aborted) return Promise.reject(new DeployNetError('CANCELLED', 'request aborted'));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const answer = this.answer(index, nth);
    return new Promise<ByteParts>((resolve, rejectWith) => {
      let live = true;
      const timers: Array<ReturnType<typeof setTimeout>> = [];
      const finish = () => {
        live = false;
        this.inFlight--;
        for (const t of timers) clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (!live) return;
        finish();
        this.cancelled.push(index);
        rejectWith(new DeployNetError('CANCELLED', 'request aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      timers.push(
        setTimeout(
          () => {
            if (!live) return;
            finish();
            this.timedOut.push(index);
            rejectWith(new DeployNetError('PEER_TIMEOUT', `peer ${this.peerId} sent nothing`));
          },
          Math.max(0, Math.min(idleMs, deadline - Date.now())),
        ),
      );
      if (answer.kind === 'hang') return;
      timers.push(
        setTimeout(() => {
          if (!live) return;
          finish();
          if (answer.kind === 'reject') {
            this.rejected = true;
            rejectWith(new DeployNetError('PEER_REJECTED', `peer ${this.peerId} rejected`, { reason: answer.reason }));
            return;
          }
          const bytes = this.file.slice(start, end);
          if (answer.kind === 'wrong') bytes[0] = bytes[0]! ^ 0xff;
          else this.served.push(index);
          onProgress?.(bytes.length);
          // In pieces, as a PeerLink hands them back (uneven ones, so a piece spans no frame size).
          resolve(bytes.length > 3 ? [bytes.subarray(0, 3), bytes.subarray(3, bytes.length >> 1), bytes.subarray(bytes.length >> 1)] : [bytes]);
        }, answer.afterMs ?? 1),
      );
    });
  }
}

interface Run {
  readonly handle: DownloadHandle;
  readonly result: Promise<DownloadResult>;
  /** Every onChunk call, in order. */
  readonly chunks: Array<{ index: number; bytes: Uint8Array; peerId: string }>;
  readonly bad: ChunkLink[];
  readonly progress: number[];
  readonly scores: PeerScores;
}

/** A patient backoff, so a peer that failed is not asked again within a test. */
const PATIENT: PeerScoreOptions = { backoffBaseMs: 10_000, backoffMaxMs: 60_000, breakerThreshold: 3 };

function start(links: readonly ChunkLink[] | (() => readonly ChunkLink[]), options: Partial<DownloadOptions> & { scoreOptions?: PeerScoreOptions } = {}): Run {
  const chunks: Run['chunks'] = [];
  const bad: ChunkLink[] = [];
  const progress: number[] = [];
  const scores = options.scores ?? new PeerScores(options.scoreOptions);
  const handle = downloadChunks({
    target: TARGET,
    links: typeof links === 'function' ? links : () => links,
    scores,
    crypto,
    idleMs: 60,
    deadline: Date.now() + 5_000,
    onChunk: (index, parts, peerId) => chunks.push({ index, bytes: joinParts(parts), peerId }),
    onBadChunk: (link) => bad.push(link),
    onProgress: (received) => progress.push(received),
    ...options,
  });
  return { handle, result: handle.result, chunks, bad, progress, scores };
}

/** Each chunk reported once, with its bytes from `file`. */
function expectVerified(run: Run, want: readonly number[], file: Uint8Array = FILE): void {
  expect(run.chunks.map((c) => c.index).sort((a, b) => a - b)).toEqual([...want]);
  // Buffer.equals: toEqual compares 16 KiB arrays element by element, slowly.
  for (const c of run.chunks) expect(Buffer.from(c.bytes).equals(chunkOf(file, c.index)), `chunk ${c.index}`).toBe(true);
}

const servedBy = (run: Run, index: number) => run.chunks.find((c) => c.index === index)?.peerId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('downloadChunks: healthy peers', () => {
  it('delivers every wanted chunk once, verified, with the right bytes', async () => {
    const links = [new FakeLink('a', () => serve(2)), new FakeLink('b', () => serve(3)), new FakeLink('c', () => serve(1))];
    const run = start(links);
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expectVerified(run, ALL);
    expect(run.bad).toEqual([]);
    for (const l of links) expect(l.malformed).toEqual([]);
    // Progress counts every byte received (races included), so at least the whole file.
    expect(run.progress.at(-1)).toBeGreaterThanOrEqual(FILE.length);
  });

  it('asks only for the wanted chunks', async () => {
    const link = new FakeLink('a', () => serve());
    const run = start([link], { target: { ...TARGET, want: [1, 4, COUNT - 1] } });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, [1, 4, COUNT - 1]);
    expect([...new Set(link.asked)].sort((a, b) => a - b)).toEqual([1, 4, COUNT - 1]);
  });

  it('ends at once with nothing missing when nothing is wanted', async () => {
    const link = new FakeLink('a', () => serve());
    const run = start([link], { target: { ...TARGET, want: [] } });
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expect(link.asked).toEqual([]);
  });

  it('spreads chunks over several fast peers, never more than perPeer in flight on a link', async () => {
    const links = ['a', 'b', 'c'].map((id) => new FakeLink(id, () => serve(3), BIG));
    const run = start(links, { target: BIG_TARGET, perPeer: 2 });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, BIG_TARGET.want, BIG);
    for (const l of links) {
      expect(l.served.length).toBeGreaterThan(0);
      expect(run.chunks.some((c) => c.peerId === l.peerId)).toBe(true);
      expect(l.maxInFlight).toBeLessThanOrEqual(2);
    }
    expect(Math.max(...links.map((l) => l.maxInFlight))).toBe(2);
  });

  it('asks the lowest indices first', async () => {
    const link = new FakeLink('a', () => serve());
    const run = start([link], { perPeer: 3 });
    await run.result;
    expect(link.asked.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('a raced chunk is reported once even when both peers deliver', async () => {
    const a = new FakeLink('a', () => serve(5));
    const b = new FakeLink('b', () => serve(5));
    const run = start([a, b], { target: { ...TARGET, want: [3] } });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, [3]);
    expect([...a.asked, ...b.asked]).toEqual([3, 3]); // the endgame raced it, once
  });
});

describe('downloadChunks: failing peers', () => {
  it('a peer that times out: its chunk comes from another peer, it backs off, the download completes', async () => {
    // perPeer 1 keeps the fast peer busy (24 chunks × ≥ 10 ms) well past the slow one's idle timeout.
    const slow = new FakeLink('slow', () => hang, BIG);
    const fast = new FakeLink('fast', () => serve(10), BIG);
    const run = start([slow, fast], { target: BIG_TARGET, perPeer: 1, idleMs: 60, scoreOptions: PATIENT });
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expectVerified(run, BIG_TARGET.want, BIG);
    expect(slow.asked).toEqual([0]);
    expect(slow.timedOut).toEqual([0]);
    expect(servedBy(run, 0)).toBe('fast');
    expect(run.scores.usable('slow', Date.now())).toBe(false);
    expect(run.scores.retryAt('slow', Date.now())).toBeGreaterThan(Date.now());
    expect(run.scores.usable('fast', Date.now())).toBe(true);
  });

  it('a peer sending a wrong chunk is reported via onBadChunk and the chunk comes from another peer', async () => {
    const liar = new FakeLink('liar', () => wrong());
    const honest = new FakeLink('honest', () => serve(5));
    const run = start([liar, honest], { perPeer: 1, scoreOptions: PATIENT });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, ALL); // the wrong bytes never reach onChunk
    expect(run.bad).toEqual([liar]);
    expect(liar.asked).toEqual([0]);
    expect(servedBy(run, 0)).toBe('honest');
    expect(run.chunks.every((c) => c.peerId === 'honest')).toBe(true);
    expect(run.scores.usable('liar', Date.now())).toBe(false);
  });

  it.each([
    ['NotFound', RejectReason.NotFound],
    ['UploadOff', RejectReason.UploadOff],
  ])('a peer answering %s is not asked again for this file, and is not backed off', async (_, reason) => {
    const lacking = new FakeLink('lacking', () => reject(reason));
    const holder = new FakeLink('holder', () => serve(2));
    const run = start([lacking, holder]);
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, ALL);
    expect(lacking.asked.length).toBeGreaterThan(0); // it was tried (first in line)...
    expect(lacking.askedAfterReject).toBe(0); // ...but never after saying it lacks the file
    expect(run.chunks.every((c) => c.peerId === 'holder')).toBe(true);
    expect(run.scores.usable('lacking', Date.now())).toBe(true); // lacking one file is no failure
  });

  it('a Busy peer backs off and the chunk comes from another peer', async () => {
    const busy = new FakeLink('busy', () => reject(RejectReason.Busy));
    const free = new FakeLink('free', () => serve(2));
    const run = start([busy, free], { perPeer: 1, scoreOptions: PATIENT });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, ALL);
    expect(busy.asked).toEqual([0]);
    expect(run.scores.usable('busy', Date.now())).toBe(false);
  });

  it('every peer lacking the file: all chunks missing, PEER_REJECTED, and it ends', async () => {
    const links = [new FakeLink('a', () => reject(RejectReason.NotFound)), new FakeLink('b', () => reject(RejectReason.UploadOff))];
    const began = Date.now();
    const run = start(links);
    const result = await run.result;
    expect(result.missing).toEqual(ALL);
    expect(result.code).toBe('PEER_REJECTED');
    expect(run.chunks).toEqual([]);
    expect(Date.now() - began).toBeLessThan(2_000);
  });

  it('no links at all: all chunks missing with PEER_UNAVAILABLE', async () => {
    const result = await start([]).result;
    expect(result.missing).toEqual(ALL);
    expect(result.code).toBe('PEER_UNAVAILABLE');
  });

  it('every peer timing out: resolves by the overall deadline with all chunks missing and PEER_TIMEOUT', async () => {
    const links = [new FakeLink('a', () => hang), new FakeLink('b', () => hang)];
    const began = Date.now();
    const run = start(links, { idleMs: 40, deadline: Date.now() + 300, scoreOptions: { backoffBaseMs: 50, backoffMaxMs: 100, breakerThreshold: 3 } });
    const result = await run.result;
    expect(result.missing).toEqual(ALL);
    expect(result.code).toBe('PEER_TIMEOUT');
    expect(Date.now() - began).toBeLessThan(2_000);
    for (const l of links) {
      expect(l.timedOut.length).toBeGreaterThan(0);
      expect(l.inFlight).toBe(0); // nothing left hanging
    }
  });

  it('every peer failing in different ways: missing lists every chunk, code set, never hangs', async () => {
    const links = [new FakeLink('liar', () => wrong()), new FakeLink('lacking', () => reject(RejectReason.NotFound)), new FakeLink('busy', () => reject(RejectReason.Busy))];
    const run = start(links, { scoreOptions: PATIENT });
    const result = await run.result;
    expect(result.missing).toEqual(ALL);
    expect(['HASH_MISMATCH', 'PEER_REJECTED']).toContain(result.code);
    expect(run.chunks).toEqual([]);
  });

  it('maxAttempts: a chunk that fails every attempt is given up, the others complete', async () => {
    const link = new FakeLink('a', (index) => (index === 2 ? wrong() : serve()));
    const run = start([link], { maxAttempts: 3, scoreOptions: { backoffBaseMs: 1, backoffMaxMs: 5, breakerThreshold: 100 } });
    const result = await run.result;
    expect(result.missing).toEqual([2]);
    expect(result.code).toBe('HASH_MISMATCH');
    expectVerified(run, ALL.filter((i) => i !== 2));
    expect(link.asked.filter((i) => i === 2)).toHaveLength(3);
    expect(run.bad).toHaveLength(3);
  });

  it('maxAttempts 1 gives a timed-out chunk up at once', async () => {
    const link = new FakeLink('a', (index) => (index === 0 ? hang : serve()));
    const run = start([link], { maxAttempts: 1, idleMs: 40, scoreOptions: { backoffBaseMs: 1, backoffMaxMs: 5, breakerThreshold: 100 } });
    const result = await run.result;
    expect(result.missing).toEqual([0]);
    expect(result.code).toBe('PEER_TIMEOUT');
    expect(link.asked.filter((i) => i === 0)).toEqual([0]);
    expectVerified(run, ALL.slice(1));
  });

  it('a peer that joins during the download is used', async () => {
    const first = new FakeLink('first', () => hang);
    const late = new FakeLink('late', () => serve());
    let links: FakeLink[] = [first];
    setTimeout(() => (links = [first, late]), 10);
    const run = start(() => links, { idleMs: 40, scoreOptions: PATIENT });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, ALL);
    expect(run.chunks.every((c) => c.peerId === 'late')).toBe(true);
  });

  it('a NotFound answer does not use up a chunk’s attempts', async () => {
    const lacking = new FakeLink('lacking', () => reject(RejectReason.NotFound));
    const holder = new FakeLink('holder', () => serve(5));
    const run = start([lacking, holder], { maxAttempts: 1 });
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expectVerified(run, ALL);
    expect(lacking.asked.length).toBeGreaterThanOrEqual(1);
  });

  it('a peer coming out of backoff is asked again while another peer still has chunks in flight', async () => {
    // 'flaky' answers Busy once, backs off 20 ms, then serves fast; 'steady' takes 300 ms per
    // chunk. Woken when its backoff ends, flaky gets every other chunk, and in the endgame races
    // steady's one chunk and wins: steady never serves. (Woken only when steady's chunk ended, at
    // 300 ms, flaky would have waited and steady would have served that chunk.)
    const flaky: FakeLink = new FakeLink('flaky', () => (flaky.asked.length === 1 ? reject(RejectReason.Busy, 2) : serve(2)));
    const steady = new FakeLink('steady', () => serve(300));
    const run = start([flaky, steady], { idleMs: 2000, perPeer: 1, scoreOptions: { backoffBaseMs: 20, backoffMaxMs: 1000, breakerThreshold: 3 } });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, ALL);
    expect(steady.served).toEqual([]);
    expect(steady.cancelled.length).toBe(1);
  });
});

describe('downloadChunks: endgame', () => {
  it('an idle fast peer races the slow peer’s last chunk, and the loser is cancelled', async () => {
    const slow = new FakeLink('slow', () => hang);
    const fast = new FakeLink('fast', () => serve(2));
    const run = start([slow, fast], { target: { ...TARGET, want: [0, 1] }, perPeer: 1, idleMs: 1_000 });
    expect((await run.result).missing).toEqual([]);
    expectVerified(run, [0, 1]);
    expect(slow.asked).toEqual([0]);
    expect(fast.asked).toEqual([1, 0]); // 1, then the race for 0, and nothing more
    expect(servedBy(run, 0)).toBe('fast');
    expect(slow.cancelled).toEqual([0]);
    expect(slow.timedOut).toEqual([]);
    // A cancelled loser is no failure of its peer.
    expect(run.scores.usable('slow', Date.now())).toBe(true);
  });

  it('a finished download leaves nothing in flight on any link', async () => {
    const links = [new FakeLink('a', () => serve(1)), new FakeLink('b', () => serve(7)), new FakeLink('c', () => serve(4))];
    const run = start(links);
    expect((await run.result).missing).toEqual([]);
    await sleep(20); // late rejections of cancelled losers
    for (const l of links) expect(l.inFlight).toBe(0);
    // No chunk was asked more than twice (once, plus at most one race).
    for (const i of ALL) expect(links.flatMap((l) => l.asked).filter((x) => x === i).length).toBeLessThanOrEqual(2);
  });

  it('a half-open peer whose probe loses the race can be probed again', async () => {
    const scores = new PeerScores({ backoffBaseMs: 1, backoffMaxMs: 5, breakerThreshold: 1 });
    scores.failed('probe', Date.now() - 1_000);
    expect(scores.breaker('probe', Date.now())).toBe('half-open');
    const probe = new FakeLink('probe', () => hang);
    const fast = new FakeLink('fast', () => serve(2));
    const run = start([probe, fast], { target: { ...TARGET, want: [0] }, scores, idleMs: 1_000 });
    expect((await run.result).missing).toEqual([]);
    expect(probe.asked).toEqual([0]);
    expect(probe.cancelled).toEqual([0]);
    await sleep(5);
    expect(scores.usable('probe', Date.now())).toBe(true);
    // A later download may probe it.
    const again = new FakeLink('probe', () => serve(1));
    const second = start([again], { target: { ...TARGET, want: [1] }, scores });
    expect((await second.result).missing).toEqual([]);
    expect(scores.breaker('probe', Date.now())).toBe('closed');
  });

  it('a half-open peer whose probe says NotFound can be probed again', async () => {
    const scores = new PeerScores({ backoffBaseMs: 1, backoffMaxMs: 5, breakerThreshold: 1 });
    scores.failed('probe', Date.now() - 1_000);
    const probe = new FakeLink('probe', () => reject(RejectReason.NotFound));
    const holder = new FakeLink('holder', () => serve(2));
    const run = start([probe, holder], { target: { ...TARGET, want: [0] }, scores });
    expect((await run.result).missing).toEqual([]);
    expect(scores.usable('probe', Date.now())).toBe(true);
  });
});

describe('downloadChunks: drop, abort, deadline', () => {
  it('drop(): dropped chunks are not asked again, in-flight ones are cancelled, none is reported missing', async () => {
    const link = new FakeLink('a', (index) => (index < 4 ? serve(50) : serve(1)));
    const run = start([link], { idleMs: 1_000, perPeer: 4 });
    expect(link.asked).toEqual([0, 1, 2, 3]); // asked at once
    run.handle.drop([1, 2, 5]);
    const result = await run.result;
    expect(result).toEqual({ missing: [], code: null, detail: '' });
    expect(link.cancelled.sort((a, b) => a - b)).toEqual([1, 2]);
    expect(link.asked.filter((i) => i === 1 || i === 2 || i === 5)).toEqual([1, 2]);
    expectVerified(run, ALL.filter((i) => i !== 1 && i !== 2 && i !== 5));
  });

  it('drop() of every wanted chunk ends the download with nothing missing and nothing asked again', async () => {
    const a = new FakeLink('a', () => hang);
    const b = new FakeLink('b', () => hang);
    const run = start([a, b], { target: { ...TARGET, want: [0, 1] }, idleMs: 1_000, perPeer: 1 });
    run.handle.drop([0, 1]);
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expect([...a.cancelled, ...b.cancelled].sort()).toEqual([0, 1]);
    expect(a.asked.length + b.asked.length).toBe(2);
    await sleep(5);
    expect(a.inFlight + b.inFlight).toBe(0);
  });

  it('drop() of chunks already delivered changes nothing', async () => {
    const link = new FakeLink('a', () => serve());
    const run = start([link], { target: { ...TARGET, want: [0, 1] } });
    await run.result;
    run.handle.drop([0, 1]);
    expectVerified(run, [0, 1]);
  });

  it('aborting the signal ends with CANCELLED and cancels every in-flight request', async () => {
    const a = new FakeLink('a', () => hang);
    const b = new FakeLink('b', (index) => (index === 4 ? serve(1) : hang));
    const controller = new AbortController();
    const run = start([a, b], { signal: controller.signal, idleMs: 1_000 });
    await sleep(20);
    controller.abort();
    const result = await run.result;
    expect(result.code).toBe('CANCELLED');
    expect(result.missing).toEqual(ALL.filter((i) => i !== 4));
    expectVerified(run, [4]);
    expect(a.cancelled.sort((x, y) => x - y)).toEqual([0, 1, 2, 3]);
    expect(b.cancelled.length).toBeGreaterThan(0);
    expect(a.inFlight + b.inFlight).toBe(0);
    expect(a.timedOut).toEqual([]);
  });

  it('a signal aborted before the start asks nothing', async () => {
    const link = new FakeLink('a', () => serve());
    const controller = new AbortController();
    controller.abort();
    const result = await start([link], { signal: controller.signal }).result;
    expect(result.code).toBe('CANCELLED');
    expect(result.missing).toEqual(ALL);
    expect(link.asked).toEqual([]);
  });

  it('a deadline in the past ends at once with every chunk missing', async () => {
    const link = new FakeLink('a', () => serve());
    const result = await start([link], { deadline: Date.now() - 1 }).result;
    expect(result.missing).toEqual(ALL);
    expect(result.code).toBe('PEER_TIMEOUT');
    expect(link.asked).toEqual([]);
  });

  it('the overall deadline cuts short requests to a silent peer', async () => {
    const link = new FakeLink('a', () => hang);
    const began = Date.now();
    const result = await start([link], { idleMs: 5_000, deadline: Date.now() + 80 }).result;
    expect(result.missing).toEqual(ALL);
    expect(result.code).toBe('PEER_TIMEOUT');
    expect(Date.now() - began).toBeLessThan(2_000); // not the 5 s idle time
  });
});

/** What links announced, changeable during a test (Holdings bound to TARGET and visitor 'me'). */
class FakeHoldings implements FileHoldings {
  private readonly table = new Map<string, 'all' | ReadonlySet<number>>();
  private readonly listeners = new Set<() => void>();
  readonly downloading = new Set<string>();

  holds(peerId: string, index: number): Held {
    const t = this.table.get(peerId);
    if (t === undefined) return 'unknown';
    return t === 'all' || t.has(index) ? 'yes' : 'no';
  }
  downloaders(): readonly string[] {
    return [...this.downloading];
  }
  self(): string | null {
    return 'me';
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  announce(peerId: string, held: 'all' | readonly number[]): void {
    this.table.set(peerId, held === 'all' ? held : new Set(held));
    for (const listener of [...this.listeners]) listener();
  }
}

describe('downloadChunks with holdings (HAVE announcements)', () => {
  it('asks only the link that announced the file; the one that announced it lacks it is never asked', async () => {
    const holder = new FakeLink('holder', () => serve(1));
    const lacker = new FakeLink('lacker', () => serve(1));
    const holdings = new FakeHoldings();
    holdings.announce('holder', 'all');
    holdings.announce('lacker', []);
    const run = start([holder, lacker], { holdings, onOrigin: () => undefined });
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expectVerified(run, ALL);
    expect(lacker.asked).toEqual([]);
  });

  it('a NotFound for an announced chunk: that chunk goes elsewhere, the link is still asked for others', async () => {
    const stale = new FakeLink('stale', (index) => (index === 0 ? reject(RejectReason.NotFound) : serve(1)));
    const other = new FakeLink('other', () => serve(5));
    const holdings = new FakeHoldings();
    holdings.announce('stale', 'all');
    holdings.announce('other', 'all');
    const run = start([stale, other], { holdings, perPeer: 1 });
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expect(servedBy(run, 0)).toBe('other');
    expect(stale.askedAfterReject).toBeGreaterThan(0);
    expect(stale.asked.filter((i) => i === 0)).toEqual([0]);
  });

  it('a new swarm: hands the origin the chunks it owns (a window that opens as they arrive) and gets the others once their owner announces them', async () => {
    const peer = new FakeLink('peer', () => serve(1));
    const holdings = new FakeHoldings();
    holdings.downloading.add('peer');
    holdings.announce('peer', []);
    const handed: number[][] = [];
    let handle: DownloadHandle | undefined;
    const run = start([peer], {
      holdings,
      idleMs: 1_000,
      // The SW fetches handed chunks and drops them when they are in (here: at once, later).
      onOrigin: (indices) => {
        handed.push([...indices]);
        setTimeout(() => handle?.drop(indices), 5);
      },
    });
    handle = run.handle;
    const mine = ALL.filter((i) => rendezvousOwner(`${TARGET.sha256}:${i}`, ['me', 'peer']) === 'me');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(COUNT);
    expect(handed[0]).toEqual([mine[0]]); // slow start: one chunk first
    await sleep(20);
    expect(peer.asked).toEqual([]); // it holds nothing yet
    holdings.announce('peer', ALL.filter((i) => !mine.includes(i)));
    expect(await run.result).toEqual({ missing: [], code: null, detail: '' });
    expect(handed.flat().sort((a, b) => a - b)).toEqual(mine);
    expect(Math.max(...handed.map((h) => h.length))).toBeLessThanOrEqual(4);
    expect(peer.asked.sort((a, b) => a - b)).toEqual(ALL.filter((i) => !mine.includes(i)));
  });

  it('waits for announcements only idleMs: then the chunks still unannounced are missing, with PEER_TIMEOUT', async () => {
    const peer = new FakeLink('peer', () => serve(1));
    const holdings = new FakeHoldings();
    holdings.downloading.add('peer');
    holdings.announce('peer', []);
    let handle: DownloadHandle | undefined;
    const run = start([peer], { holdings, idleMs: 50, onOrigin: (indices) => setTimeout(() => handle?.drop(indices), 1) });
    handle = run.handle;
    const result = await run.result;
    const theirs = ALL.filter((i) => rendezvousOwner(`${TARGET.sha256}:${i}`, ['me', 'peer']) === 'peer');
    expect(result.missing).toEqual(theirs);
    expect(result.code).toBe('PEER_TIMEOUT');
    expect(peer.asked).toEqual([]);
  });

  it('alone with links that lack the file: hands the origin one chunk, and when nobody joins by then, ends (the SW fetches the rest in one request)', async () => {
    const idle = new FakeLink('idle', () => serve(1));
    const holdings = new FakeHoldings();
    holdings.announce('idle', []);
    const handed: number[][] = [];
    let handle: DownloadHandle | undefined;
    const run = start([idle], { holdings, idleMs: 1_000, onOrigin: (indices) => (handed.push([...indices]), setTimeout(() => handle?.drop(indices), 5)) });
    handle = run.handle;
    const result = await run.result;
    expect(handed).toEqual([[0]]);
    expect(result.missing).toEqual(ALL.slice(1));
    expect(idle.asked).toEqual([]);
  });

  it('without links, hands nothing to the origin and ends at once (the SW fetches the file in one request)', async () => {
    const handed: number[][] = [];
    const result = await start([], { holdings: new FakeHoldings(), onOrigin: (i) => handed.push([...i]) }).result;
    expect(result.missing).toEqual(ALL);
    expect(handed).toEqual([]);
  });
});
