/**
 * Issue 5, item 1: stock, unmodified PeerJS clients connect through a DeployNet signal node and
 * exchange data. Two plain pages (no DeployNet on them: a blank page from a tiny server) load
 * PeerJS's own browser bundle (node_modules/peerjs/dist/peerjs.min.js, the file as published),
 * open a Peer each on a real node, and one opens a DataConnection to the other with PeerJS's
 * defaults (binary serialization, reliable); messages go both ways, including one large enough
 * for PeerJS to cut into chunks. Once with the node's defaults, once with --site-tokens (the
 * token as PeerJS's `key`) and an allowed-origins list, where a wrong key is refused; and across
 * two nodes sharing a real redis-server (issue 5, item 3), each page on a node of its own.
 * `config: { iceServers: [] }`: no public STUN; inside the loopback-only namespace the host
 * candidate is 127.0.0.1 (chromium.ts).
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { DataConnection, Peer as PeerClass } from 'peerjs';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEERJS_MOUNT } from '../../core/index.js';
import { startRedis, type RedisServer } from '../../signal/cluster-test-kit.js';
import { startSignalNode, type SignalNode, type SignalOptions } from '../../signal/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';

const PEERJS_BUNDLE = fileURLToPath(new URL('../../node_modules/peerjs/dist/peerjs.min.js', import.meta.url));
const SITE_TOKEN = 'stock-browser-site-token-7f3a';
/** Bytes of the large message: several of PeerJS's 16,300-byte chunks. */
const LARGE_BYTES = 100_000;

/** What a test page keeps on `window` (set up by openPeer). */
interface StockState {
  readonly peer: PeerClass;
  /** Messages received on any DataConnection, normalised for the test: binary as { bytes, sum }. */
  readonly received: unknown[];
  /** Records what arrives on `conn` and sends this page's three messages once it is open. */
  readonly attach: (conn: DataConnection) => void;
}

declare global {
  interface Window {
    Peer?: typeof PeerClass;
    stock?: StockState;
  }
}

/** A plain origin: every path answers the same blank page. */
async function blankOrigin(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>plain page</title></head><body>plain</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

interface PeerSetup {
  readonly port: number;
  readonly key: string;
  readonly path: string;
}

/**
 * In the page: a stock Peer on the node; resolves with its id, or rejects with PeerJS's error
 * type and message. Every DataConnection it accepts or opens records what arrives and, once
 * open, carries this page's three messages: a string, an object, and LARGE_BYTES of binary.
 */
async function openPeer(page: Page, setup: PeerSetup, name: string): Promise<string> {
  await page.addScriptTag({ path: PEERJS_BUNDLE });
  return page.evaluate(
    ({ port, key, path }, who, largeBytes) => {
      const Peer = window.Peer;
      if (!Peer) throw new Error('the PeerJS bundle did not define window.Peer');
      const peer = new Peer({ host: '127.0.0.1', port, path, key, secure: false, debug: 0, config: { iceServers: [] } });
      const received: unknown[] = [];
      const normalise = (data: unknown): unknown => {
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
        if (bytes === null) return data;
        let sum = 0;
        for (const b of bytes) sum = (sum * 31 + b) >>> 0;
        return { bytes: bytes.length, sum };
      };
      const attach = (conn: DataConnection): void => {
        conn.on('data', (data) => received.push(normalise(data)));
        conn.on('open', () => {
          void conn.send(`hello from ${who}`);
          void conn.send({ from: who, n: 2, list: [1, 'two', null] });
          void conn.send(new Uint8Array(largeBytes).map((_, i) => (i * 7 + 3) & 0xff));
        });
      };
      window.stock = { peer, received, attach };
      peer.on('connection', attach);
      return new Promise<string>((resolve, reject) => {
        peer.once('open', resolve);
        peer.once('error', (error) => reject(new Error(`${error.type}: ${error.message}`)));
      });
    },
    setup,
    name,
    LARGE_BYTES,
  );
}

/** In the page: a DataConnection to `remoteId` with PeerJS's defaults; resolves once it is open (and sending). */
async function dial(page: Page, remoteId: string): Promise<void> {
  await page.evaluate(
    (remote) =>
      new Promise<void>((resolve, reject) => {
        const state = window.stock;
        if (!state) throw new Error('no peer on this page');
        const conn = state.peer.connect(remote);
        state.attach(conn);
        conn.on('error', (error) => reject(new Error(`${error.type}: ${error.message}`)));
        // An unknown id is the Peer's error (peer-unavailable), not the connection's.
        state.peer.once('error', (error) => reject(new Error(`${error.type}: ${error.message}`)));
        conn.on('open', () => resolve());
      }),
    remoteId,
  );
}

/** Waits until the page has received `count` messages and returns them. */
async function receivedOn(page: Page, count: number): Promise<unknown[]> {
  await page.waitForFunction((n: number) => (window.stock?.received.length ?? 0) >= n, { timeout: 30_000 }, count);
  return page.evaluate(() => window.stock?.received ?? []);
}

/** The large message as the receiver records it. */
function largeDigest(): { bytes: number; sum: number } {
  let sum = 0;
  for (let i = 0; i < LARGE_BYTES; i++) sum = (sum * 31 + ((i * 7 + 3) & 0xff)) >>> 0;
  return { bytes: LARGE_BYTES, sum };
}

function expectedFrom(who: string): unknown[] {
  return [`hello from ${who}`, { from: who, n: 2, list: [1, 'two', null] }, largeDigest()];
}

describe('stock PeerJS clients in Chromium through a DeployNet signal node', () => {
  const session = useBrowser();
  let origin: { url: string; server: Server };
  const nodes: SignalNode[] = [];

  beforeAll(async () => {
    origin = await blankOrigin();
  });
  afterAll(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
    await new Promise((resolve) => origin.server.close(resolve));
  });

  async function node(options: Omit<SignalOptions, 'port' | 'host'> = {}): Promise<SignalNode> {
    const started = await startSignalNode({ ...options, port: 0, host: '127.0.0.1' });
    nodes.push(started);
    return started;
  }

  async function plainPage(): Promise<Page> {
    const visitor = await session.track(newVisitor(session.browser, origin.url));
    await visitor.page.goto(`${origin.url}/`, { waitUntil: 'load' });
    return visitor.page;
  }

  /** Page A's peer on `signal`, page B's on `signalB` (the same node unless given), B dials A. */
  async function exchange(signal: SignalNode, key: string, signalB: SignalNode = signal): Promise<void> {
    const [a, b] = [await plainPage(), await plainPage()];
    const aId = await openPeer(a, { port: signal.port, key, path: PEERJS_MOUNT }, 'A');
    await openPeer(b, { port: signalB.port, key, path: PEERJS_MOUNT }, 'B');
    expect(signal.stats().peers + (signalB === signal ? 0 : signalB.stats().peers)).toBe(2);
    await dial(b, aId);
    // Both ways, in order (reliable), the large message reassembled byte for byte.
    expect(await receivedOn(a, 3)).toEqual(expectedFrom('B'));
    expect(await receivedOn(b, 3)).toEqual(expectedFrom('A'));
  }

  it('with the node\'s defaults: any key, any origin', async () => {
    await exchange(await node(), 'peerjs');
  });

  it('across two nodes sharing Redis: a peer on node B dials a peer on node A (OFFER, ANSWER and candidates relayed through Redis)', async () => {
    let redis: RedisServer | undefined;
    try {
      redis = await startRedis();
      const [a, b] = [await node({ redis: redis.url }), await node({ redis: redis.url })];
      await exchange(a, 'peerjs', b);
      expect([a.stats().peers, b.stats().peers]).toEqual([1, 1]);
    } finally {
      await Promise.all(nodes.splice(0).map((n) => n.close()));
      await redis?.kill();
    }
  });

  it('with --site-tokens (the token as PeerJS key) and allowed origins; a wrong key is refused', async () => {
    const signal = await node({ siteTokens: [SITE_TOKEN], allowedOrigins: [origin.url] });
    await exchange(signal, SITE_TOKEN);
    const refused = await plainPage();
    await expect(openPeer(refused, { port: signal.port, key: 'not-the-site-token', path: PEERJS_MOUNT }, 'C')).rejects.toThrow(/server-error: SIGNAL_SITE_TOKEN_INVALID: /);
    expect(signal.stats().peers).toBe(2);
  });
});
