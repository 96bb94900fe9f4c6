/**
 * PeerLink against misbehaving or silent peers. The far end of the channelPair is driven by hand
 * with raw frames from core's encodeFrame, so it can break the protocol on purpose.
 */
import { describe, expect, it } from 'vitest';
import { DeployNetError, decodeFrame, encodeFrame, frameBytes, type Frame } from '../core/index.js';
import { channelPair, type FrameChannel } from './frame-channel.js';
import { PeerLink } from './peer-link.js';
import { joined, rejectionOf as rejection, prng } from '../test/unit/test-kit.js';

const SHA = 'ab'.repeat(32);
const far = () => Date.now() + 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A PeerLink whose peer is a hand-driven channel end that answers each request with `answer`. */
function linkToFake(answer: (request: Extract<Frame, { type: 'request' }>, peer: FrameChannel) => void = () => undefined) {
  const [mine, theirs] = channelPair('me', 'fake');
  const faults: DeployNetError[] = [];
  const received: Frame[] = [];
  const link = new PeerLink(mine, {
    provider: { get: async () => undefined },
    uploadAllowed: () => true,
    maxConcurrentUploads: 2,
    maxQueuedUploads: 2,
    onFault: (e) => faults.push(e),
  });
  theirs.onFrame((data) => {
    const frame = decodeFrame(frameBytes(data));
    received.push(frame);
    if (frame.type === 'request') answer(frame, theirs);
  });
  return { link, peer: theirs, faults, received };
}

const data = (id: number, offset: number, length: number) => encodeFrame({ type: 'data', id, offset, payload: new Uint8Array(length).fill(7) });



describe('PeerLink against a responder that breaks the protocol', () => {
  it.each([
    ['DATA at the wrong offset', (r: { id: number; start: number }) => [data(r.id, r.start + 1, 10)]],
    ['DATA that skips ahead after a good frame', (r: { id: number; start: number }) => [data(r.id, r.start, 10), data(r.id, r.start + 20, 10)]],
    ['more bytes than requested in one frame', (r: { id: number; start: number }) => [data(r.id, r.start, 101)]],
    ['more bytes than requested across frames', (r: { id: number; start: number }) => [data(r.id, r.start, 60), data(r.id, r.start + 60, 41)]],
  ])('%s → SIZE_MISMATCH, onFault, link closed', async (_name, frames) => {
    // Only the request for [1000, 1100) is answered (badly); the other one stays pending.
    const { link, faults } = linkToFake((r, peer) => {
      if (r.start === 1000) for (const f of frames(r)) void peer.send(f);
    });
    const other = joined(link.request(SHA, 0, 5, far(), 5000));
    const error = await rejection(joined(link.request(SHA, 1000, 1100, far(), 5000)));
    expect(error.code).toBe('SIZE_MISMATCH');
    expect(faults.map((f) => f.code)).toEqual(['SIZE_MISMATCH']);
    expect(link.isOpen).toBe(false);
    // The other request on the dropped link fails too, and new ones are refused.
    expect((await rejection(other)).code).toBe('PEER_UNAVAILABLE');
    expect((await rejection(joined(link.request(SHA, 0, 1, far(), 5000)))).code).toBe('PEER_UNAVAILABLE');
  });

  it('garbage frames → onFault with FRAME_MALFORMED and the link closed, without throwing', async () => {
    const rand = prng(42);
    for (let round = 0; round < 20; round++) {
      const garbage = Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      expect(() => decodeFrame(garbage)).toThrow(DeployNetError);
      const { link, peer, faults } = linkToFake();
      const pending = joined(link.request(SHA, 0, 10, far(), 5000));
      await peer.send(garbage);
      expect((await rejection(pending)).code).toBe('PEER_UNAVAILABLE');
      expect(faults.map((f) => f.code)).toEqual(['FRAME_MALFORMED']);
      expect(link.isOpen).toBe(false);
    }
  });

  it('ignores late DATA for a request that already timed out', async () => {
    const { link, faults } = linkToFake((r, p) => void sleep(80).then(() => p.send(data(r.id, r.start, 10))));
    expect((await rejection(joined(link.request(SHA, 0, 10, far(), 20)))).code).toBe('PEER_TIMEOUT');
    await sleep(120);
    expect(faults).toEqual([]);
    expect(link.isOpen).toBe(true);
  });

  it('ignores a REJECT or DATA for an id it never asked for', async () => {
    const { link, peer, faults } = linkToFake();
    await peer.send(encodeFrame({ type: 'reject', id: 999, reason: 1 }));
    await peer.send(data(998, 0, 5));
    await sleep(10);
    expect(faults).toEqual([]);
    expect(link.isOpen).toBe(true);
  });
});

describe('PeerLink timeouts and closing', () => {
  it('a silent responder → PEER_TIMEOUT after idleMs, and a CANCEL is sent', async () => {
    const { link, received } = linkToFake();
    const started = Date.now();
    const error = await rejection(joined(link.request(SHA, 0, 10, far(), 50)));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('PEER_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1000);
    await sleep(5);
    expect(received.map((f) => f.type)).toEqual(['request', 'cancel']);
    expect(received[1]!.id).toBe(received[0]!.id);
    expect(link.isOpen).toBe(true);
  });

  it('gives up at the deadline when it comes before idleMs', async () => {
    const { link } = linkToFake();
    const started = Date.now();
    expect((await rejection(joined(link.request(SHA, 0, 10, Date.now() + 40, 5000)))).code).toBe('PEER_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('restarts the idle timer on every frame, so a slow but steady peer completes', async () => {
    const { link } = linkToFake((r, peer) => {
      void (async () => {
        for (let i = 0; i < 8; i++) {
          await sleep(20);
          await peer.send(data(r.id, r.start + i * 10, 10));
        }
      })();
    });
    // 8 frames 20 ms apart take ~160 ms in all, well past idleMs, but no gap comes near it.
    await expect(joined(link.request(SHA, 0, 80, far(), 100))).resolves.toHaveLength(80);
  });

  it('a responder that stalls after its first frame → PEER_TIMEOUT after idleMs', async () => {
    const { link } = linkToFake((r, peer) => void peer.send(data(r.id, r.start, 10)));
    const started = Date.now();
    const error = await rejection(joined(link.request(SHA, 0, 100, far(), 50)));
    expect(error.code).toBe('PEER_TIMEOUT');
    expect(error.message).toMatch(/sent nothing for 50 ms \(10 of 100 bytes, \d+ ms after asking\)/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('closing the channel rejects pending requests with PEER_UNAVAILABLE', async () => {
    const { link, peer } = linkToFake();
    const pending = [joined(link.request(SHA, 0, 10, far(), 5000)), joined(link.request(SHA, 10, 20, far(), 5000))];
    await sleep(5);
    peer.close();
    for (const p of pending) expect((await rejection(p)).code).toBe('PEER_UNAVAILABLE');
    expect(link.isOpen).toBe(false);
  });

  it('close() on the link itself rejects pending requests and closes the far end', async () => {
    const { link, peer } = linkToFake();
    let farClosed = false;
    peer.onClose(() => (farClosed = true));
    const pending = joined(link.request(SHA, 0, 10, far(), 5000));
    link.close();
    expect((await rejection(pending)).code).toBe('PEER_UNAVAILABLE');
    expect(farClosed).toBe(true);
  });
});
