/**
 * Issue 4, item 9: signaling through the mesh. Three real Chromium visitors in a line, A - B - C
 * (A and C not linked), and only C holds a file. The signal node stops; A learns of C from B's
 * peer exchange, opens a connection to C with a WebRTC handshake that B relays, and gets the file
 * from C, byte-identical to the origin's.
 *
 * The line comes from the signal node itself, not from a test hook: a node started with
 * `maxSwarmAnswer: 1` names one member per swarm join, so the second visitor dials the first and
 * the third dials one of the two. The third is always at an end of the line; the one it dialled
 * is the middle. (stack.ts starts its node with the defaults, so this file starts its own.)
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_CACHE, contentCacheKey } from '../../core/index.js';
import { buildSite } from '../../manifest-cli/build-site.js';
import { generateKeyPair } from '../../manifest-cli/keys.js';
import { serveSite } from '../../manifest-cli/serve.js';
import { startSignalNode, type SignalNode } from '../../signal/index.js';
import { deterministicBytes, untilCached, waitForPeers } from './big-site.js';
import { useBrowser } from './browser-session.js';
import { newVisitor, type Visitor } from './chromium.js';
import { fetchInPage, stats, visit } from './page-probe.js';
import { PATIENT_PEERS } from './stack.js';

const FILE_PATH = '/files/only-c.bin';
/** Six 256 KiB chunks. */
const FILE_BYTES = 6 * 256 * 1024;

/** Fill-in off: visitors hold only what they fetched. */
const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>DeployNet: signaling through the mesh</title>
  <script src="/deploynet.js" type="module" async data-fill="off"></script>
</head>
<body><p>Tests fetch <code>${FILE_PATH}</code> from this page.</p></body>
</html>
`;

interface LineStack {
  readonly origin: string;
  readonly sha256: string;
  stopSignal(): Promise<void>;
  /** A fresh signal node (no clients, no swarms) on the port of the first: the one the site was built with. */
  restartSignal(): Promise<SignalNode>;
  close(): Promise<void>;
}

/** The site above, a signal node that names one swarm member per join, and an origin. */
async function startLineStack(): Promise<LineStack> {
  const root = await mkdtemp(join(tmpdir(), 'deploynet-mesh-signaling-'));
  const siteDir = join(root, 'site');
  await mkdir(join(siteDir, 'files'), { recursive: true });
  const bytes = deterministicBytes(FILE_BYTES);
  await writeFile(join(siteDir, ...FILE_PATH.slice(1).split('/')), bytes);
  await writeFile(join(siteDir, 'index.html'), INDEX_HTML);
  const keys = await generateKeyPair(join(root, 'keys'));
  const startSignal = (port: number) => startSignalNode({ port, host: '127.0.0.1', maxSwarmAnswer: 1 });
  let signal: SignalNode | null = await startSignal(0);
  const signalPort = signal.port;
  await buildSite({ ...PATIENT_PEERS, siteDir, keyFile: keys.privateKeyPath, signal: signal.url, inject: true });
  const served = await serveSite({ siteDir, port: 0, host: '127.0.0.1' });
  const stopSignal = async () => {
    const s = signal;
    signal = null;
    await s?.close();
  };
  return {
    origin: served.url,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    stopSignal,
    async restartSignal() {
      await stopSignal();
      signal = await startSignal(signalPort);
      return signal;
    },
    async close() {
      await stopSignal();
      await served.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function holds(page: Page, key: string): Promise<boolean> {
  return page.evaluate(async (k, name) => (await (await caches.open(name)).match(k)) !== undefined, key, CONTENT_CACHE);
}

/** Of two visitors, the one that gets a second link first, and the other; throws if neither does. */
async function middleOf(x: Visitor, y: Visitor, timeoutMs = 20_000): Promise<[middle: Visitor, end: Visitor]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [px, py] = await Promise.all([stats(x.page), stats(y.page)]);
    if (px.peers === 2) return [x, y];
    if (py.peers === 2) return [y, x];
    if (Date.now() > deadline) throw new Error(`no visitor became the middle of the line (peers: ${px.peers}, ${py.peers})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('signaling through the mesh: visitors keep finding each other while the signal node is down', () => {
  const session = useBrowser();
  let stack: LineStack;

  beforeAll(async () => {
    stack = await startLineStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** A, B and C from the first test, in the line they formed. */
  let line: { a: Visitor; b: Visitor; c: Visitor } | undefined;

  async function arrive(): Promise<Visitor> {
    const v = await session.track(newVisitor(session.browser, stack.origin));
    await visit(v.page, `${stack.origin}/`);
    return v;
  }

  it('A, linked only to B, reaches C through B’s relay and gets a file only C holds', async () => {
    const key = contentCacheKey(stack.origin, stack.sha256);
    const first = await arrive();
    const second = await arrive();
    expect(await waitForPeers(second.page, 1)).toBe(1);
    const c = await arrive();
    expect(await waitForPeers(c.page, 1)).toBe(1);
    const [b, a] = await middleOf(first, second);
    expect((await Promise.all([a, b, c].map(async (v) => (await stats(v.page)).peers)))).toEqual([1, 2, 1]);

    // C fetches the file (B, its only peer, lacks it: the origin answers) and keeps it.
    const fromOrigin = await fetchInPage(c.page, FILE_PATH);
    expect(fromOrigin).toEqual({ status: 200, source: 'origin', sha256: stack.sha256, size: FILE_BYTES });
    await untilCached(c.page, key);
    expect(await Promise.all([a, b].map((v) => holds(v.page, key)))).toEqual([false, false]);

    await stack.stopSignal();
    expect(await waitForPeers(a.page, 2, 40_000), 'A never opened a second link').toBe(2);

    const got = await fetchInPage(a.page, FILE_PATH);
    expect(got).toEqual({ status: 200, source: 'peer', sha256: stack.sha256, size: FILE_BYTES });
    const [sa, sb, sc] = await Promise.all([stats(a.page), stats(b.page), stats(c.page)]);
    // A's second link is C (there is no one else), and C sent the file: B had nothing to send.
    expect([sa.peers, sb.peers, sc.peers]).toEqual([2, 2, 2]);
    expect(sc.uploadedBytes).toBeGreaterThanOrEqual(FILE_BYTES);
    expect(sb.uploadedBytes).toBe(0);
    expect([sa.peerFaults, sb.peerFaults, sc.peerFaults]).toEqual([0, 0, 0]);
    line = { a, b, c };
  });

  it('when the signal node is back, the visitors reconnect and join the swarm again, so a newcomer finds them', async () => {
    if (!line) throw new Error('needs the line of the previous test');
    const node = await stack.restartSignal();
    // PeerJS reconnects with backoff (1, 2, 4 ... s); a visitor that did is a client again, and
    // one that joined makes the swarm non-empty.
    const deadline = Date.now() + 40_000;
    while (!(node.stats().peers === 3 && node.stats().swarms === 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(node.stats()).toMatchObject({ peers: 3, swarms: 1 });
    const d = await arrive();
    expect(await waitForPeers(d.page, 1), 'the newcomer found nobody through the new node').toBeGreaterThanOrEqual(1);
    // The triangle still stands (its links never needed the node).
    expect(await Promise.all([line.a, line.b, line.c].map(async (v) => (await stats(v.page)).peers >= 2))).toEqual([true, true, true]);
  });
});
