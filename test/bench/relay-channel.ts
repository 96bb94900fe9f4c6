/**
 * A second baseline for peer throughput: the raw RTCDataChannel's bytes relayed through a service
 * worker into a page's fetch, with nothing else (no protocol, no hashing, no cache). That is what
 * any service-worker-first P2P design pays at least (a SW cannot hold a data channel, so the
 * bytes cross from the page to the SW and back as a Response), and on a 2-core machine, where the
 * raw channel alone keeps both cores busy, it bounds what the peer path can reach.
 *
 * The relay lives under /bench-relay/ of the site's origin (written after the build: not in the
 * manifest), with a worker of its own whose scope is that folder; its page is opened in the
 * visitor's browser context (the origin has camera and microphone there, needed for ICE).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'puppeteer-core';
import { sendWhenListening, type RawGlobals } from './raw-channel.js';

const RELAY_SW = `// Bench only: answers /bench-relay/stream with the bytes its page posts on a port.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname !== '/bench-relay/stream') return;
  event.respondWith((async () => {
    const client = await self.clients.get(event.clientId);
    const { port1, port2 } = new MessageChannel();
    const body = new ReadableStream({
      start(controller) {
        port1.onmessage = (m) => (m.data === null ? controller.close() : controller.enqueue(new Uint8Array(m.data)));
      },
    });
    client.postMessage('relay', [port2]);
    return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
  })());
});
`;

const RELAY_PAGE = `<!doctype html><meta charset="utf-8"><title>relay</title>
<script>
navigator.serviceWorker.register('/bench-relay/relay-sw.js', { scope: '/bench-relay/' });
</script>
`;

/** Writes the relay's page and worker into a built site (call after the build: they are not listed). */
export async function writeRelayFiles(siteDir: string): Promise<void> {
  await mkdir(join(siteDir, 'bench-relay'), { recursive: true });
  await writeFile(join(siteDir, 'bench-relay', 'relay-sw.js'), RELAY_SW);
  await writeFile(join(siteDir, 'bench-relay', 'index.html'), RELAY_PAGE);
}

/** Opens the relay page in `context` and waits until its own worker controls it. */
export async function openRelayPage(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/bench-relay/`);
  await page.waitForFunction(() => navigator.serviceWorker.controller?.scriptURL.endsWith('/bench-relay/relay-sw.js') === true, { timeout: 15_000 });
  return page;
}

/**
 * One round: `bytes` sent on the raw channel `name` (rawChannelOpen from `sender` to the relay
 * page first), each message posted (transferred) to the relay worker, which streams it into the
 * page's fetch. MB/s from the page's first read of the body to its last, as the peer figure.
 */
export async function relayedChannelRound(sender: Page, relay: Page, bytes: number, name = 'relay'): Promise<number> {
  const done = relay.evaluate(
    async (total, n) => {
      const rx = await (globalThis as unknown as RawGlobals).rawEnds![n]!.rx!;
      rx.binaryType = 'arraybuffer';
      const port = new Promise<MessagePort>((resolve) => navigator.serviceWorker.addEventListener('message', (e) => resolve(e.ports[0]!), { once: true }));
      const response = fetch('/bench-relay/stream', { cache: 'no-store' });
      const out = await port;
      let forwarded = 0;
      rx.onmessage = (m) => {
        const data = m.data as ArrayBuffer;
        forwarded += data.byteLength;
        out.postMessage(data, [data]);
        if (forwarded >= total) out.postMessage(null);
      };
      document.title = 'raw-ready';
      const reader = (await response).body!.getReader();
      let read = 0;
      let first = 0;
      let t0 = 0;
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        if (read === 0) [t0, first] = [performance.now(), value.length];
        read += value.length;
      }
      return (read - first) / ((performance.now() - t0) / 1000) / 1e6;
    },
    bytes,
    name,
  );
  return sendWhenListening(sender, relay, bytes, name, done);
}

