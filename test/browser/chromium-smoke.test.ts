// Proves the hermetic WebRTC recipe on this machine: in a loopback-only namespace, two
// RTCPeerConnections in one page (iceServers: []) gather the 127.0.0.1 host candidate and a data
// channel carries a message. Fails, never skips, when Chromium is missing.
//   node test/run-in-netns.mjs npx vitest run --project browser test/browser/chromium-smoke.test.ts
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'puppeteer-core';
import { launchChromium, newVisitor } from './chromium.js';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>webrtc loopback smoke</title>
<script>
window.runSmoke = async () => {
  const a = new RTCPeerConnection({ iceServers: [] });
  const b = new RTCPeerConnection({ iceServers: [] });
  const candidates = [];
  a.onicecandidate = (e) => { if (e.candidate) { candidates.push(e.candidate.candidate); b.addIceCandidate(e.candidate); } };
  b.onicecandidate = (e) => { if (e.candidate) { candidates.push(e.candidate.candidate); a.addIceCandidate(e.candidate); } };
  const received = new Promise((resolve) => {
    b.ondatachannel = (e) => { e.channel.onmessage = (m) => resolve(m.data); };
  });
  const channel = a.createDataChannel('smoke');
  const started = performance.now();
  channel.onopen = () => channel.send('hello over loopback');
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no message within 15 s; candidates: ' + JSON.stringify(candidates))), 15000));
  const message = await Promise.race([received, timeout]);
  const ms = Math.round(performance.now() - started);
  const pair = [...(await a.getStats()).values()].find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated);
  const local = pair ? (await a.getStats()).get(pair.localCandidateId) : undefined;
  a.close(); b.close();
  return { message, ms, candidates, selectedAddress: local ? local.address : null };
};
</script>
<p>ready</p>`;

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface SmokeResult {
  message: string;
  ms: number;
  candidates: string[];
  selectedAddress: string | null;
}

test('a data channel between two RTCPeerConnections opens over 127.0.0.1 only', async () => {
  // Launched inside the test (not in a hook) so a missing Chromium fails this test, never skips it.
  const browser: Browser = await launchChromium();
  try {
    const visitor = await newVisitor(browser, origin);
    try {
      await visitor.page.goto(`${origin}/`, { waitUntil: 'load' });
      const result = await visitor.page.evaluate(() => (window as unknown as { runSmoke(): Promise<SmokeResult> }).runSmoke());
      expect(result.message).toBe('hello over loopback');
      expect(result.candidates.length).toBeGreaterThan(0);
      for (const candidate of result.candidates) {
        // "candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> ..."
        expect(candidate.split(' ')[4]).toBe('127.0.0.1');
        expect(candidate).toContain(' typ host');
      }
      expect(result.selectedAddress).toBe('127.0.0.1');
      console.info(`data channel message arrived in ${result.ms} ms; candidates: ${result.candidates.join(' | ')}`);
    } catch (err) {
      if (visitor.consoleErrors.length > 0) console.error('page console errors:', visitor.consoleErrors);
      throw err;
    } finally {
      await visitor.close();
    }
  } finally {
    await browser.close();
  }
});
