/**
 * The benchmarks' baseline: a raw RTCDataChannel between two pages (two renderer processes, as
 * between two visitors), measured in the same run as the peer figures, because on a shared 2-core
 * machine only side-by-side ratios mean anything (/work/shared/chromium-webrtc-e2e.md).
 *
 * Used by p2p-bench.ts and swarm-bench.ts. Both pages must be on the site's origin (the visitor
 * context grants camera and microphone there, without which Chromium offers no ICE candidate).
 * A page may hold several raw connections at once, each under a name of its own (default `raw`).
 */
import type { Page } from 'puppeteer-core';

interface RawEnd {
  pc: RTCPeerConnection;
  tx?: RTCDataChannel;
  rx?: Promise<RTCDataChannel>;
}
/** What the pages hold, by connection name (relay-channel.ts reads the receiving end too). */
export type RawGlobals = { rawEnds?: Record<string, RawEnd> };

/**
 * Opens the raw channel `name` from `sender` to `receiver`. SDP goes through the test process,
 * complete (no trickle). A page's earlier connection of that name is closed first.
 */
export async function rawChannelOpen(sender: Page, receiver: Page, name = 'raw'): Promise<void> {
  const offer = await sender.evaluate(async (n) => {
    const ends = ((globalThis as unknown as RawGlobals).rawEnds ??= {});
    ends[n]?.pc.close();
    const pc = new RTCPeerConnection({ iceServers: [] });
    ends[n] = { pc, tx: pc.createDataChannel(n, { ordered: true }) };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  }, name);
  const answer = await receiver.evaluate(
    async (o, n) => {
      const ends = ((globalThis as unknown as RawGlobals).rawEnds ??= {});
      ends[n]?.pc.close();
      const pc = new RTCPeerConnection({ iceServers: [] });
      ends[n] = { pc, rx: new Promise((resolve) => (pc.ondatachannel = (e) => resolve(e.channel))) };
      await pc.setRemoteDescription(o);
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
      return pc.localDescription!.toJSON();
    },
    offer,
    name,
  );
  await sender.evaluate(
    async (a, n) => {
      const end = (globalThis as unknown as RawGlobals).rawEnds![n]!;
      await end.pc.setRemoteDescription(a);
      if (end.tx!.readyState !== 'open') await new Promise((r) => (end.tx!.onopen = r));
    },
    answer,
    name,
  );
}

/**
 * Sends `bytes` on the open raw channel `name` in 64 KiB messages with the bridge's backpressure
 * (below 1 MiB buffered, waiting for bufferedamountlow at 256 KiB).
 */
export async function rawChannelSend(sender: Page, bytes: number, name = 'raw'): Promise<void> {
  await sender.evaluate(
    async (total, n) => {
      const tx = (globalThis as unknown as RawGlobals).rawEnds![n]!.tx!;
      tx.bufferedAmountLowThreshold = 256 * 1024;
      const message = new Uint8Array(64 * 1024 - 10);
      for (let sent = 0; sent < total; sent += message.length) {
        while (tx.bufferedAmount > 1024 * 1024) await new Promise((r) => tx.addEventListener('bufferedamountlow', r, { once: true }));
        tx.send(message);
      }
    },
    bytes,
    name,
  );
}

/**
 * One round on the open raw channel: MB/s from the receiver's first to last message: the bytes
 * after the first message over the time after it (the first message only starts the clock, as
 * the first read does for the peer figures in p2p-bench.ts).
 */
export async function rawChannelRound(sender: Page, receiver: Page, bytes: number, name = 'raw'): Promise<number> {
  const done = receiver.evaluate(
    async (total, n) => {
      const rx = await (globalThis as unknown as RawGlobals).rawEnds![n]!.rx!;
      rx.binaryType = 'arraybuffer';
      return new Promise<number>((resolve) => {
        let received = 0;
        let first = 0;
        let t0 = 0;
        rx.onmessage = (m) => {
          const size = (m.data as ArrayBuffer).byteLength;
          if (received === 0) [t0, first] = [performance.now(), size];
          received += size;
          if (received >= total) resolve((total - first) / ((performance.now() - t0) / 1000) / 1e6);
        };
        document.title = 'raw-ready';
      });
    },
    bytes,
    name,
  );
  return sendWhenListening(sender, receiver, bytes, name, done);
}

/**
 * The second half of a round: once the receiver listens (its evaluation set the title
 * `raw-ready`), sends `bytes` on the channel `name` and gives the receiver's figure.
 */
export async function sendWhenListening<T>(sender: Page, receiver: Page, bytes: number, name: string, receiving: Promise<T>): Promise<T> {
  await receiver.waitForFunction(() => document.title === 'raw-ready');
  await receiver.evaluate(() => (document.title = ''));
  await rawChannelSend(sender, bytes, name);
  return receiving;
}

/** Closes every raw connection on each page that has one (idempotent). */
export async function rawChannelClose(...pages: Page[]): Promise<void> {
  await Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        const g = globalThis as unknown as RawGlobals;
        for (const end of Object.values(g.rawEnds ?? {})) end.pc.close();
        delete g.rawEnds;
      }),
    ),
  );
}
