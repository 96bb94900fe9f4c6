/**
 * The malicious-peer harness (issue 4, item 8): a real Chromium visitor running altered code.
 * `installEvilPeer` runs in the page before any script (evaluateOnNewDocument) and wraps
 * RTCDataChannel.prototype.send, so the page's own, unchanged DeployNet bridge answers requests
 * and the wrapper alters what goes on the wire. `setEvilMode` picks the misbehaviour at any time.
 *
 * Frames (core/wire.ts): byte 0 version, byte 1 type (2 = DATA), bytes 2-5 request id, and for
 * DATA bytes 6-9 offset, then the payload.
 */
import type { Page } from 'puppeteer-core';

export type EvilMode =
  /** Honest: frames go out as the bridge made them. */
  | 'off'
  /** Flip the last byte of every DATA frame: every chunk fails its hash. */
  | 'corrupt'
  /** Append 1 KiB to every DATA frame: more bytes than were asked for. */
  | 'oversize'
  /** Send DATA under another request id (the requester's own ids never get an answer). */
  | 'wrong-ids'
  /** Before each real DATA frame, send an unsolicited one (a request id nobody used, random bytes). */
  | 'unsolicited'
  /** Answer at one byte per second: correct bytes, in order, hopelessly slowly. */
  | 'slow';

declare global {
  interface Window {
    __deploynetEvil?: EvilMode;
  }
}

/** Runs in the page (serialised by puppeteer): keep it self-contained. */
function wrapSend(): void {
  const send = RTCDataChannel.prototype.send;
  const slow = new Map<RTCDataChannel, { queue: Uint8Array[]; timer: number | undefined }>();
  const isData = (bytes: unknown): bytes is Uint8Array => bytes instanceof Uint8Array && bytes.length > 10 && bytes[0] === 1 && bytes[1] === 2;
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
    const mode = window.__deploynetEvil ?? 'off';
    const bytes = data as unknown;
    if (mode === 'off' || !isData(bytes)) return send.call(this, data);
    switch (mode) {
      case 'corrupt': {
        const copy = bytes.slice();
        copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
        return send.call(this, copy as never);
      }
      case 'oversize': {
        const bigger = new Uint8Array(bytes.length + 1024);
        bigger.set(bytes);
        return send.call(this, bigger as never);
      }
      case 'wrong-ids': {
        const copy = bytes.slice();
        view(copy).setUint32(2, (view(copy).getUint32(2) + 1000) >>> 0);
        return send.call(this, copy as never);
      }
      case 'unsolicited': {
        const junk = new Uint8Array(1024 + 10);
        crypto.getRandomValues(junk);
        junk[0] = 1;
        junk[1] = 2;
        view(junk).setUint32(2, 0x7fff0000 + Math.floor(Math.random() * 1000));
        send.call(this, junk as never);
        return send.call(this, data);
      }
      case 'slow': {
        // Split the frame into one-byte DATA frames and release one per second.
        const id = view(bytes).getUint32(2);
        const offset = view(bytes).getUint32(6);
        let state = slow.get(this);
        if (!state) {
          state = { queue: [], timer: undefined };
          slow.set(this, state);
        }
        for (let i = 10; i < bytes.length; i++) {
          const one = new Uint8Array(11);
          one[0] = 1;
          one[1] = 2;
          view(one).setUint32(2, id);
          view(one).setUint32(6, offset + i - 10);
          one[10] = bytes[i]!;
          state.queue.push(one);
        }
        const channel = this;
        const s = state;
        s.timer ??= window.setInterval(() => {
          const next = s.queue.shift();
          if (next && channel.readyState === 'open') send.call(channel, next as never);
          else if (!next || channel.readyState !== 'open') {
            window.clearInterval(s.timer);
            s.timer = undefined;
          }
        }, 1000);
        return undefined;
      }
    }
  } as typeof send;
}

export async function installEvilPeer(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(wrapSend);
}

export async function setEvilMode(page: Page, mode: EvilMode): Promise<void> {
  await page.evaluate((m) => void (window.__deploynetEvil = m), mode);
}
