/**
 * The stock `peerjs` client (the one the page bundles) against a real node, in Node. Node has no
 * WebRTC, and PeerJS refuses to start without it, so the test lets it believe data channels exist
 * and gives it `ws` as its WebSocket: only PeerJS's signaling side runs (id from /peerjs/KEY/id,
 * the WebSocket, OPEN, ERROR, ID-TAKEN, heartbeats), which is all the node talks to.
 */
import { Peer, type PeerError, util } from 'peerjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { PEERJS_MOUNT } from '../core/swarm.js';
import type { SignalNode } from './signal-node.js';
import { SignalKit } from './test-kit.js';

const kit = new SignalKit();
const peers: Peer[] = [];
const SITE_TOKEN = 'stock-site-token-41d7c0';
const supportsData = util.supports.data;

beforeAll(() => {
  vi.stubGlobal('WebSocket', WebSocket);
  util.supports.data = true;
});
afterAll(() => {
  vi.unstubAllGlobals();
  util.supports.data = supportsData;
});
afterEach(async () => {
  for (const p of peers.splice(0)) p.destroy();
  await kit.cleanup();
});

function stockPeer(node: SignalNode, key: string, id?: string): Peer {
  const options = { host: '127.0.0.1', port: node.port, path: PEERJS_MOUNT, key, secure: false, debug: 0 };
  const peer = id === undefined ? new Peer(options) : new Peer(id, options);
  peers.push(peer);
  return peer;
}

function opened(peer: Peer): Promise<string> {
  return new Promise((resolve, reject) => {
    peer.once('open', resolve);
    peer.once('error', reject);
  });
}

function failed(peer: Peer): Promise<PeerError<string>> {
  return new Promise((resolve, reject) => {
    peer.once('open', () => reject(new Error('opened')));
    peer.once('error', resolve);
  });
}

describe('stock PeerJS client', () => {
  it('opens with a site token as its key (id from the node), and reports a wrong one as a server-error with the code', async () => {
    const node = await kit.node({ siteTokens: [SITE_TOKEN] });
    const id = await opened(stockPeer(node, SITE_TOKEN));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(node.stats().peers).toBe(1);
    const error = await failed(stockPeer(node, 'not-the-site-token-at-all'));
    expect(error.type).toBe('server-error');
    expect(error.message).toMatch(/^SIGNAL_SITE_TOKEN_INVALID: /);
  });

  it('a second Peer with a live id gets unavailable-id', async () => {
    const node = await kit.node();
    const id = await opened(stockPeer(node, 'deploynet', 'stock-owner-1'));
    const error = await failed(stockPeer(node, 'deploynet', id));
    expect(error.type).toBe('unavailable-id');
    expect(node.stats().peers).toBe(1);
  });

  it('on shutdown the Peer hears SIGNAL_SHUTTING_DOWN and is disconnected (so it can reconnect)', async () => {
    const node = await kit.node();
    const peer = stockPeer(node, 'deploynet');
    await opened(peer);
    const error = new Promise<PeerError<string>>((resolve) => peer.once('error', resolve));
    const disconnected = new Promise<void>((resolve) => peer.once('disconnected', () => resolve()));
    await node.close();
    expect((await error).message).toMatch(/^SIGNAL_SHUTTING_DOWN: /);
    await disconnected;
    expect(peer.disconnected).toBe(true);
    expect(peer.destroyed).toBe(false);
  });
});
