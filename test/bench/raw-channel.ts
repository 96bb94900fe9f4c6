/**
 * The benchmarks' baseline: a raw RTCDataChannel between two pages (two renderer processes, as
 * between two visitors), measured in the same run as the peer figures, because on a shared 2-core
 * machine only side-by-side ratios mean anything (/work/shared/chromium-webrtc-e2e.md).
 *
 * Used by p2p-bench.ts and swarm-bench.ts. Both pages must be on the site's origin (the visitor
 * context grants camera and microphone there, without which Chromium offers no ICE candidate).
 */
import type { Page } from 'puppeteer-core';

type RawGlobals = {
  rawPc?: RTCPeerConnection;
  rawTx: RTCDataChannel;
  rawRx: Promise<RTCDataChannel>;
};

/**
 * Opens the raw channel from `sender` to `receiver`. SDP goes through the test process, complete
 * (no trickle). A page's earlier raw connection is closed first, so a page can take part in many.
 */
export async function rawChannelOpen(sender: Page, receiver: Page): Promise<void> {
  const offer = await sender.evaluate(async () => {
    const g = globalThis as unknown as RawGlobals;
    g.rawPc?.close();
    const pc = (g.rawPc = new RTCPeerConnection({ iceServers: [] }));
    g.rawTx = pc.createDataChannel('raw', { ordered: true });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  });
  const answer = await receiver.evaluate(async (o) => {
    const g = globalThis as unknown as RawGlobals;
    g.rawPc?.close();
    const pc = (g.rawPc = new RTCPeerConnection({ iceServers: [] }));
    g.rawRx = new Promise((resolve) => (pc.ondatachannel = (e) => resolve(e.channel)));
    await pc.setRemoteDescription(o);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  }, offer);
  await sender.evaluate(async (a) => {
    const g = globalThis as unknown as RawGlobals;
    await g.rawPc!.setRemoteDescription(a);
    if (g.rawTx.readyState !== 'open') await new Promise((r) => (g.rawTx.onopen = r));
  }, answer);
}

/**
 * One round on the open raw channel: `bytes` in 64 KiB messages with the bridge's backpressure
 * (below 1 MiB buffered, waiting for bufferedamountlow at 256 KiB); MB/s from the receiver's
 * first to last message: the bytes after the first message over the time after it (the first
 * message only starts the clock, as the first read does for the peer figures in p2p-bench.ts).
 */
export async function rawChannelRound(sender: Page, receiver: Page, bytes: number): Promise<number> {
  const done = receiver.evaluate(async (total) => {
    const rx = await (globalThis as unknown as RawGlobals).rawRx;
    rx.binaryType = 'arraybuffer';
    return new Promise<number>((resolve) => {
      let received = 0;
      let first = 0;
      let t0 = 0;
      rx.onmessage = (m) => {
        const n = (m.data as ArrayBuffer).byteLength;
        if (received === 0) [t0, first] = [performance.now(), n];
        received += n;
        if (received >= total) resolve((total - first) / ((performance.now() - t0) / 1000) / 1e6);
      };
      document.title = 'raw-ready';
    });
  }, bytes);
  await receiver.waitForFunction(() => document.title === 'raw-ready');
  await receiver.evaluate(() => (document.title = ''));
  await sender.evaluate(async (total) => {
    const tx = (globalThis as unknown as RawGlobals).rawTx;
    tx.bufferedAmountLowThreshold = 256 * 1024;
    const message = new Uint8Array(64 * 1024 - 10);
    for (let sent = 0; sent < total; sent += message.length) {
      while (tx.bufferedAmount > 1024 * 1024) await new Promise((r) => tx.addEventListener('bufferedamountlow', r, { once: true }));
      tx.send(message);
    }
  }, bytes);
  return done;
}

/** Closes the raw connection on each page that has one (idempotent). */
export async function rawChannelClose(...pages: Page[]): Promise<void> {
  await Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        const g = globalThis as unknown as RawGlobals;
        g.rawPc?.close();
        delete g.rawPc;
      }),
    ),
  );
}
