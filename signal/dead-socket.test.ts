/**
 * Dead-socket detection (peer-gate.ts): a socket heard from (any message) needs no ping to count
 * as alive; a silent one is pinged, and cut when it stays silent. The cut of a peer that never
 * answers (and its swarm departure) is in swarm-join.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignalKit, until } from './test-kit.js';

const kit = new SignalKit();
afterEach(() => kit.cleanup());

describe('dead sockets', () => {
  it('keeps a peer that sends messages without answering pings, and cuts it once it falls silent', async () => {
    const node = await kit.node({ pingIntervalMs: 150 });
    const chatty = await kit.peer(node, { autoPong: false });
    const silent = await kit.peer(node, { autoPong: false });
    const beat = setInterval(() => chatty.send({ type: 'HEARTBEAT' }), 20);
    try {
      // The silent one is pinged, does not answer, and is cut (no close handshake).
      expect(await silent.closed).toBe(1006);
      // Two more intervals of heartbeats and no pong: the chatty one is still there.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(chatty.ws.readyState).toBe(WebSocket.OPEN);
      expect(node.stats().peers).toBe(1);
    } finally {
      clearInterval(beat);
    }
    // Silent now: pinged, no answer, cut.
    expect(await chatty.closed).toBe(1006);
    await until(() => node.stats().peers === 0, 2000, 'the node to drop the cut socket');
  });

  it('keeps a silent peer that answers its pings', async () => {
    const node = await kit.node({ pingIntervalMs: 150 });
    const quiet = await kit.peer(node);
    let pings = 0;
    quiet.ws.on('ping', () => (pings += 1));
    const dead = await kit.peer(node, { autoPong: false });
    expect(await dead.closed).toBe(1006);
    await until(() => node.stats().peers === 1, 2000, 'the node to drop the cut socket');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pings).toBeGreaterThan(0);
    expect(quiet.ws.readyState).toBe(WebSocket.OPEN);
    expect(node.stats().peers).toBe(1);
  });
});
