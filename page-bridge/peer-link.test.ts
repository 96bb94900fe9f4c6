/**
 * PeerLink between two honest ends over an in-memory channelPair: transfers, rejects, the upload
 * queue, upload accounting and the upload limiter. Misbehaving peers and timeouts: peer-link-faults.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeployNetError, MAX_FRAME_BYTES, RejectReason, decodeFrame, encodeFrame, frameBytes, type Frame } from '../core/index.js';
import type { ContentProvider } from './content-provider.js';
import { channelPair, type FrameChannel } from './frame-channel.js';
import { PeerLink, type PeerLinkOptions } from './peer-link.js';
import { TokenBucket } from './token-bucket.js';
import { joined, rejectionOf as rejection } from '../test/unit/test-kit.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MiB = 1024 * 1024;
const FILE = new Uint8Array(randomBytes(MiB));
const FILE_SHA = sha(FILE);
const far = () => Date.now() + 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Serves these files by hash; counts calls and how many reads overlap. */
function memoryProvider(files: readonly Uint8Array<ArrayBuffer>[], delayMs = 0): ContentProvider & { calls: number; active: number; maxActive: number } {
  const byHash = new Map(files.map((f) => [sha(f), f]));
  const p = {
    calls: 0,
    active: 0,
    maxActive: 0,
    async get(hash: string) {
      p.calls++;
      p.active++;
      p.maxActive = Math.max(p.maxActive, p.active);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      p.active--;
      const bytes = byHash.get(hash);
      return bytes && new Blob([bytes]);
    },
  };
  return p;
}

/** Records every frame one end sends, decoded. */
function tap(channel: FrameChannel, sent: Frame[], sizes: number[]): FrameChannel {
  return {
    peerId: channel.peerId,
    send(frame) {
      sizes.push(frame.length);
      sent.push(decodeFrame(frameBytes(frame.slice())));
      return channel.send(frame);
    },
    onFrame: (h) => channel.onFrame(h),
    onClose: (h) => channel.onClose(h),
    close: () => channel.close(),
  };
}

/** The DATA frames cover [start, end) in order, each beginning where the last one ended. */
function expectContiguous(sent: readonly Frame[], start: number, end: number): void {
  let at = start;
  for (const f of sent) {
    if (f.type !== 'data') throw new Error(`unexpected ${f.type} frame`);
    expect(f.offset).toBe(at);
    at += f.payload.length;
  }
  expect(at).toBe(end);
}

function options(overrides: Partial<PeerLinkOptions> = {}): PeerLinkOptions {
  return { provider: memoryProvider([]), uploadAllowed: () => true, maxConcurrentUploads: 4, maxQueuedUploads: 16, ...overrides };
}

/** `asker` requests from `server`; the server's outgoing frames are recorded. */
function wire(serverOptions: Partial<PeerLinkOptions>) {
  const [a, b] = channelPair('asker', 'server');
  const sent: Frame[] = [];
  const sizes: number[] = [];
  const faults: DeployNetError[] = [];
  const asker = new PeerLink(a, options({ onFault: (e) => faults.push(e) }));
  const server = new PeerLink(tap(b, sent, sizes), options({ onFault: (e) => faults.push(e), ...serverOptions }));
  return { asker, server, sent, sizes, faults };
}


describe('PeerLink: partly held files and HAVE frames', () => {
  it('answers a range of a file it holds in part from the provider’s stored chunks, and NotFound for bytes it lacks', async () => {
    const held = { start: 100_000, end: 300_000 };
    const provider: ContentProvider = {
      get: async () => undefined,
      range: async (hash, start, end) => (hash === FILE_SHA && start >= held.start && end <= held.end ? new Blob([FILE.slice(start, end)]) : undefined),
    };
    const { asker, sent } = wire({ provider });
    const got = await joined(asker.request(FILE_SHA, 150_000, 250_000, far(), 5000));
    expect(Buffer.from(got).equals(FILE.subarray(150_000, 250_000))).toBe(true);
    expectContiguous(sent, 150_000, 250_000);
    const error = await joined(asker.request(FILE_SHA, 0, 200_000, far(), 5000)).catch((e: DeployNetError) => e);
    expect(error).toMatchObject({ code: 'PEER_REJECTED', details: { reason: RejectReason.NotFound } });
  });

  it('hands HAVE and HAVE_CHUNKS frames to onHave, and sends them with sendMesh', async () => {
    const [a, b] = channelPair('a', 'b');
    const heard: Frame[] = [];
    const left = new PeerLink(a, options());
    new PeerLink(b, options({ onHave: (f) => heard.push(f) }));
    await left.sendMesh({ type: 'have', id: 0, version: 2, count: 3, files: [1] });
    await left.sendMesh({ type: 'have-chunks', id: 0, sha256: FILE_SHA, count: 9, chunks: [0, 8] });
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toEqual([
      { type: 'have', id: 0, version: 2, count: 3, files: [1] },
      { type: 'have-chunks', id: 0, sha256: FILE_SHA, count: 9, chunks: [0, 8] },
    ]);
  });
});

describe('PeerLink transfers', () => {
  it('sends a whole 1 MiB file byte-identical, in contiguous frames of at most 64 KiB', async () => {
    const { asker, sent, sizes, faults } = wire({ provider: memoryProvider([FILE]) });
    const got = await joined(asker.request(FILE_SHA, 0, MiB, far(), 5000));
    expect(Buffer.from(got).equals(FILE)).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(sent.length).toBeGreaterThanOrEqual(Math.ceil(MiB / MAX_FRAME_BYTES));
    expectContiguous(sent, 0, MiB);
    expect(faults).toEqual([]);
  });

  it('reports progress after each frame, ending at the size', async () => {
    const { asker } = wire({ provider: memoryProvider([FILE]) });
    const seen: number[] = [];
    await joined(asker.request(FILE_SHA, 0, MiB, far(), 5000, (received) => seen.push(received)));
    expect(seen.length).toBeGreaterThanOrEqual(Math.ceil(MiB / MAX_FRAME_BYTES));
    expect(seen.every((n, i) => i === 0 || n > seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(MiB);
  });

  it.each([
    [100_001, 400_003],
    [7, MiB - 3],
  ])('sends the sub-range [%i, %i) byte-identical, in contiguous frames', async (start, end) => {
    const { asker, sent, sizes } = wire({ provider: memoryProvider([FILE]) });
    const got = await joined(asker.request(FILE_SHA, start, end, far(), 5000));
    expect(Buffer.from(got).equals(FILE.subarray(start, end))).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expectContiguous(sent, start, end);
  });

  it('serves the last byte and an empty range', async () => {
    const { asker, sent } = wire({ provider: memoryProvider([FILE]) });
    expect([...(await joined(asker.request(FILE_SHA, MiB - 1, MiB, far(), 5000)))]).toEqual([FILE[MiB - 1]]);
    expect(await joined(asker.request(FILE_SHA, 5, 5, far(), 5000))).toHaveLength(0);
    expect(sent).toHaveLength(1);
  });

  it('works in both directions over one channel', async () => {
    const other = new Uint8Array(randomBytes(1000));
    const [a, b] = channelPair('a', 'b');
    const left = new PeerLink(a, options({ provider: memoryProvider([other]) }));
    const right = new PeerLink(b, options({ provider: memoryProvider([FILE]) }));
    const [fromRight, fromLeft] = await Promise.all([joined(left.request(FILE_SHA, 0, 10, far(), 5000)), joined(right.request(sha(other), 0, 1000, far(), 5000))]);
    expect(fromRight).toEqual(FILE.subarray(0, 10));
    expect(fromLeft).toEqual(other);
    expect(left.peerId).toBe('b');
    expect(right.peerId).toBe('a');
  });
});

describe('PeerLink rejects', () => {
  it('answers an unknown hash with NotFound → PEER_REJECTED', async () => {
    const { asker, faults } = wire({ provider: memoryProvider([FILE]) });
    const error = await rejection(joined(asker.request('00'.repeat(32), 0, 10, far(), 5000)));
    expect(error.code).toBe('PEER_REJECTED');
    expect(error.details.reason).toBe(RejectReason.NotFound);
    expect(asker.isOpen).toBe(true);
    expect(faults).toEqual([]);
  });

  it('answers with UploadOff → PEER_REJECTED when uploading is switched off, without reading content', async () => {
    const provider = memoryProvider([FILE]);
    let allowed = false;
    const { asker } = wire({ provider, uploadAllowed: () => allowed });
    const error = await rejection(joined(asker.request(FILE_SHA, 0, 10, far(), 5000)));
    expect(error.code).toBe('PEER_REJECTED');
    expect(error.details.reason).toBe(RejectReason.UploadOff);
    expect(provider.maxActive).toBe(0);
    allowed = true;
    await expect(joined(asker.request(FILE_SHA, 0, 10, far(), 5000))).resolves.toHaveLength(10);
  });

  it('answers a range past the end of the file with BadRequest', async () => {
    const { asker } = wire({ provider: memoryProvider([FILE]) });
    const error = await rejection(joined(asker.request(FILE_SHA, 0, MiB + 1, far(), 5000)));
    expect(error.details.reason).toBe(RejectReason.BadRequest);
  });
});

describe('PeerLink upload queue', () => {
  it('completes 20 concurrent requests with 2 at a time and 64 queued', async () => {
    const files = Array.from({ length: 20 }, () => new Uint8Array(randomBytes(70_000)));
    const provider = memoryProvider(files, 5);
    const { asker } = wire({ provider, maxConcurrentUploads: 2, maxQueuedUploads: 64 });
    const got = await Promise.all(files.map((f) => joined(asker.request(sha(f), 0, f.length, far(), 5000))));
    got.forEach((bytes, i) => expect(Buffer.from(bytes).equals(files[i]!)).toBe(true));
    expect(provider.maxActive).toBe(2);
  });

  it('sends answers one after another in the order they were asked, even when a later lookup is faster', async () => {
    const slow = new Uint8Array(randomBytes(200_000));
    const fast = new Uint8Array(randomBytes(400_000));
    // The first request's lookup takes longest: answering as lookups finish would send it last.
    const provider: ContentProvider = {
      get: async (hash) => {
        if (hash === sha(slow)) await sleep(30);
        return hash === sha(slow) ? new Blob([slow]) : hash === sha(fast) ? new Blob([fast]) : undefined;
      },
    };
    const { asker, sent } = wire({ provider, maxConcurrentUploads: 4 });
    const got = await Promise.all([
      joined(asker.request(sha(slow), 0, 200_000, far(), 5000)),
      joined(asker.request(sha(fast), 0, 200_000, far(), 5000)),
      joined(asker.request(sha(fast), 200_000, 400_000, far(), 5000)),
    ]);
    expect(Buffer.from(got[0]).equals(slow)).toBe(true);
    expect(Buffer.from(Buffer.concat([got[1], got[2]])).equals(fast)).toBe(true);
    const ids = sent.flatMap((f) => (f.type === 'data' ? [f.id] : []));
    // Each answer's frames together, the answers in asking order (ids 1, 2, 3), none interleaved.
    expect(ids.length).toBeGreaterThanOrEqual(3 * Math.ceil(200_000 / MAX_FRAME_BYTES));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids)).toEqual(new Set([1, 2, 3]));
  });

  it('a rejected or cancelled request does not hold up the answers asked after it', async () => {
    const { asker, sent } = wire({ provider: memoryProvider([FILE], 5), maxConcurrentUploads: 2 });
    const abort = new AbortController();
    const results = Promise.all([
      joined(asker.request(FILE_SHA, 0, 300_000, far(), 5000)),
      joined(asker.request('ab'.repeat(32), 0, 10, far(), 5000)).catch((e: DeployNetError) => e.code),
      joined(asker.request(FILE_SHA, 0, 300_000, far(), 5000, undefined, abort.signal)).catch((e: DeployNetError) => e.code),
      joined(asker.request(FILE_SHA, 300_000, MiB, far(), 5000)),
    ]);
    abort.abort();
    const [first, missing, cancelled, last] = await results;
    expect(missing).toBe('PEER_REJECTED');
    expect(cancelled).toBe('CANCELLED');
    expect(Buffer.from(Buffer.concat([first as Uint8Array, last as Uint8Array])).equals(FILE)).toBe(true);
    const ids = sent.flatMap((f) => (f.type === 'data' ? [f.id] : []));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });

  it('answers Busy to requests beyond concurrent + queued, and serves the rest', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const provider: ContentProvider = { get: async () => (await gate, new Blob([FILE])) };
    const { asker } = wire({ provider, maxConcurrentUploads: 2, maxQueuedUploads: 3 });
    const results = Array.from({ length: 8 }, () => joined(asker.request(FILE_SHA, 0, 1000, far(), 5000)).then(() => 'ok', (e: DeployNetError) => e));
    const early = await Promise.all(results.slice(5));
    for (const e of early) expect(e).toMatchObject({ code: 'PEER_REJECTED', details: { reason: RejectReason.Busy } });
    release();
    expect(await Promise.all(results.slice(0, 5))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    // Slots are free again.
    await expect(joined(asker.request(FILE_SHA, 0, 10, far(), 5000))).resolves.toHaveLength(10);
  });
});

describe('PeerLink upload accounting', () => {
  it('reports every payload byte sent through onUpload', async () => {
    const uploads: number[] = [];
    const { asker } = wire({ provider: memoryProvider([FILE]), onUpload: (n) => uploads.push(n) });
    await joined(asker.request(FILE_SHA, 0, MiB, far(), 5000));
    await joined(asker.request(FILE_SHA, 10, 70_000, far(), 5000));
    await rejection(joined(asker.request('11'.repeat(32), 0, 10, far(), 5000)));
    expect(uploads.reduce((a, b) => a + b, 0)).toBe(MiB + 69_990);
    expect(uploads.every((n) => n > 0 && n <= MAX_FRAME_BYTES)).toBe(true);
  });
});

describe('PeerLink upload limiter', () => {
  /** Records every take; holds them while `hold` is set, releasing them in order later. */
  function recordingLimiter() {
    const takes: number[] = [];
    const held: Array<() => void> = [];
    const limiter = {
      takes,
      hold: false,
      take(n: number): Promise<void> {
        takes.push(n);
        return limiter.hold ? new Promise<void>((resolve) => held.push(resolve)) : Promise.resolve();
      },
      release() {
        limiter.hold = false;
        for (const next of held.splice(0)) next();
      },
    };
    return limiter;
  }

  it('takes exactly the payload bytes of every DATA frame, before sending it', async () => {
    const limiter = recordingLimiter();
    const uploads: number[] = [];
    const { asker, sent } = wire({ provider: memoryProvider([FILE]), uploadLimiter: limiter, onUpload: (n) => uploads.push(n) });
    limiter.hold = true;
    const whole = joined(asker.request(FILE_SHA, 0, MiB, far(), 5000));
    await sleep(20);
    expect(limiter.takes).toHaveLength(1); // waiting on the limiter: nothing sent yet
    expect(sent).toEqual([]);
    limiter.release();
    expect(Buffer.from(await whole).equals(FILE)).toBe(true);
    await joined(asker.request(FILE_SHA, 100_001, 400_003, far(), 5000));
    const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
    const dataBytes = sum(sent.map((f) => (f.type === 'data' ? f.payload.length : 0)));
    expect(dataBytes).toBe(MiB + 300_002);
    expect(sum(limiter.takes)).toBe(dataBytes);
    expect(limiter.takes).toEqual(sent.map((f) => (f.type === 'data' ? f.payload.length : -1)));
    expect(uploads).toEqual(limiter.takes);
  });

  it('sends nothing more for a request cancelled while it waited on the limiter', async () => {
    const limiter = recordingLimiter();
    const [mine, theirs] = channelPair('asker', 'server');
    new PeerLink(theirs, options({ provider: memoryProvider([FILE]), uploadLimiter: limiter }));
    const got: Frame[] = [];
    mine.onFrame((d) => got.push(decodeFrame(frameBytes(d))));
    limiter.hold = true;
    await mine.send(encodeFrame({ type: 'request', id: 1, sha256: FILE_SHA, start: 0, end: MiB }));
    await sleep(20);
    await mine.send(encodeFrame({ type: 'cancel', id: 1 }));
    await sleep(20);
    limiter.release();
    await sleep(40);
    expect(got).toEqual([]);
    expect(limiter.takes).toHaveLength(1);
  });

  it('with a real TokenBucket at 200 kB/s and a 100 kB burst, 500 kB take more than 1.5 s', async () => {
    const bucket = new TokenBucket({ capacity: 100_000, ratePerSec: 200_000 });
    const { asker } = wire({ provider: memoryProvider([FILE]), uploadLimiter: bucket });
    const started = performance.now();
    const got = await joined(asker.request(FILE_SHA, 0, 500_000, Date.now() + 10_000, 5000));
    const elapsed = performance.now() - started;
    expect(Buffer.from(got).equals(FILE.subarray(0, 500_000))).toBe(true);
    // 100 kB at once, 400 kB at 200 kB/s: about 2 s. A lower bound only: it is a property.
    expect(elapsed).toBeGreaterThan(1500);
  });
});

describe('PeerLink as responder to CANCEL', () => {
  it('sends no DATA for a cancelled request and frees its slot', async () => {
    const [mine, theirs] = channelPair('asker', 'server');
    new PeerLink(theirs, options({ provider: memoryProvider([FILE], 20), maxConcurrentUploads: 1, maxQueuedUploads: 0 }));
    const got: Frame[] = [];
    mine.onFrame((d) => got.push(decodeFrame(frameBytes(d))));
    await mine.send(encodeFrame({ type: 'request', id: 1, sha256: FILE_SHA, start: 0, end: MiB }));
    await mine.send(encodeFrame({ type: 'cancel', id: 1 }));
    await sleep(60);
    expect(got).toEqual([]);
    // With one slot and no queue, a second request is only served if the first one let go.
    await mine.send(encodeFrame({ type: 'request', id: 2, sha256: FILE_SHA, start: 0, end: 10 }));
    await sleep(60);
    expect(got.map((f) => [f.type, f.id])).toEqual([['data', 2]]);
  });

  it('does not even read the content of a request cancelled while it waited in line', async () => {
    const [mine, theirs] = channelPair('asker', 'server');
    const provider = memoryProvider([FILE], 20);
    new PeerLink(theirs, options({ provider, maxConcurrentUploads: 1, maxQueuedUploads: 1 }));
    const got: Frame[] = [];
    mine.onFrame((d) => got.push(decodeFrame(frameBytes(d))));
    await mine.send(encodeFrame({ type: 'request', id: 1, sha256: FILE_SHA, start: 0, end: 10 }));
    await mine.send(encodeFrame({ type: 'request', id: 2, sha256: FILE_SHA, start: 0, end: 10 }));
    await mine.send(encodeFrame({ type: 'cancel', id: 2 }));
    await sleep(80);
    expect(got.map((f) => [f.type, f.id])).toEqual([['data', 1]]);
    expect(provider.calls).toBe(1);
  });
});

describe('PeerLink mesh frames (PEERS, SIGNAL)', () => {
  it('hands them to onPeers/onSignal in order, alongside a transfer, and sends them with sendMesh', async () => {
    const [a, b] = channelPair('a', 'b');
    const heard: Frame[] = [];
    const left = new PeerLink(a, options({ provider: memoryProvider([FILE]) }));
    const right = new PeerLink(b, options({ onPeers: (f) => heard.push(f), onSignal: (f) => heard.push(f) }));
    const transfer = joined(right.request(FILE_SHA, 0, MiB, far(), 5000));
    await left.sendMesh({ type: 'peers', id: 0, peers: ['c', 'd'] });
    await left.sendMesh({ type: 'signal', id: 3, kind: 'offer', from: 'a', to: 'c', data: 'v=0\r\n' });
    expect(Buffer.from(await transfer).equals(FILE)).toBe(true);
    expect(heard).toEqual([
      { type: 'peers', id: 0, peers: ['c', 'd'] },
      { type: 'signal', id: 3, kind: 'offer', from: 'a', to: 'c', data: 'v=0\r\n' },
    ]);
  });

  it('ignores them without handlers, and refuses to send once closed or when the wire cannot carry the frame', async () => {
    const [a, b] = channelPair('a', 'b');
    const faults: DeployNetError[] = [];
    const left = new PeerLink(a, options());
    const right = new PeerLink(b, options({ onFault: (e) => faults.push(e) }));
    await left.sendMesh({ type: 'peers', id: 0, peers: ['c'] });
    await sleep(5);
    expect(right.isOpen).toBe(true);
    expect(faults).toEqual([]);
    await expect(left.sendMesh({ type: 'signal', id: 1, kind: 'offer', from: 'a', to: 'c', data: 'ü' })).rejects.toThrow(RangeError);
    left.close();
    expect((await rejection(left.sendMesh({ type: 'peers', id: 0, peers: [] }))).code).toBe('PEER_UNAVAILABLE');
  });
});
