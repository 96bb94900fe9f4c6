/** Routing decisions of the cross-node relay, with an in-memory stand-in for Redis. */
import { describe, expect, it } from 'vitest';
import { CrossNodeRelay, MAX_PENDING } from './cross-node-relay.js';
import { SignalMetrics } from './metrics.js';
import type { RelayEnvelope } from './relay-envelope.js';

const ME = 'aaaaaaaaaaaaaaaa';
const OTHER = 'bbbbbbbbbbbbbbbb';

/** A relay whose Redis answers from `where` (peer id → node id), and what it did. */
function harness(where: Record<string, string>, local: string[] = []) {
  const published: { node: string; envelope: RelayEnvelope }[] = [];
  const delivered: { id: string; message: unknown }[] = [];
  const failures: string[] = [];
  const listening = new Set([ME, OTHER]);
  let redisDown = false;
  const metrics = new SignalMetrics();
  const relay = new CrossNodeRelay({
    state: {
      nodeId: ME,
      // The forward script's decision: the node holding dst, unless none or this one; then PUBLISH.
      forward: async (envelope) => {
        if (redisDown) throw new Error('Connection is closed.');
        const node = where[envelope.dst];
        if (node === undefined || node === ME) return false;
        published.push({ node, envelope });
        return listening.has(node);
      },
      publish: async (node, envelope) => {
        published.push({ node, envelope });
        return listening.has(node);
      },
    },
    clients: {
      isLocal: (id) => local.includes(id),
      deliver: (id, message) => {
        if (!local.includes(id)) return false;
        delivered.push({ id, message });
        return true;
      },
    },
    metrics,
    log: () => {},
    failed: (operation) => failures.push(operation),
    maxEnvelopeChars: 4096,
  });
  return { relay, published, delivered, failures, listening, metrics, setRedisDown: (down: boolean) => (redisDown = down) };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const offer = (dst: string, n = 0): string => JSON.stringify({ type: 'OFFER', dst, payload: { n } });

describe('CrossNodeRelay.route', () => {
  it('leaves local destinations and non-relayed messages to PeerServer', () => {
    const { relay, published } = harness({}, ['local']);
    expect(relay.route('me', offer('local'), () => {})).toBe(true);
    expect(relay.route('me', JSON.stringify({ type: 'HEARTBEAT' }), () => {})).toBe(true);
    expect(relay.route('me', JSON.stringify({ type: 'LEAVE' }), () => {})).toBe(true);
    expect(published).toEqual([]);
  });

  it('publishes to the node holding the destination, with the sender id it was admitted with, in order', async () => {
    const { relay, published, metrics } = harness({ far: OTHER });
    const handedBack: number[] = [];
    for (let n = 0; n < 5; n++) expect(relay.route('me', offer('far', n), () => handedBack.push(n))).toBe(false);
    await settle();
    expect(handedBack).toEqual([]);
    expect(published.map((p) => p.node)).toEqual([OTHER, OTHER, OTHER, OTHER, OTHER]);
    expect(published.map((p) => p.envelope.payload)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
    expect(published[0]?.envelope).toMatchObject({ v: 1, from: ME, type: 'OFFER', src: 'me', dst: 'far' });
    expect(metrics.crossNode('sent')).toBe(5);
    expect(metrics.relayed('OFFER')).toBe(5);
  });

  it('hands back to PeerServer when the destination is nowhere, its node is gone, or Redis fails', async () => {
    const h = harness({ gone: 'cccccccccccccccc', self: ME });
    const handedBack: string[] = [];
    for (const dst of ['nowhere', 'gone', 'self']) h.relay.route('me', offer(dst), () => handedBack.push(dst));
    await new Promise((r) => setTimeout(r, 10));
    h.setRedisDown(true);
    h.relay.route('me', offer('nowhere'), () => handedBack.push('redis-down'));
    await new Promise((r) => setTimeout(r, 10));
    expect(handedBack).toEqual(['nowhere', 'gone', 'self', 'redis-down']);
    expect(h.failures).toEqual(['relay']);
  });

  it('keeps at most MAX_PENDING messages of one sender waiting, and drops the rest', async () => {
    const { relay, published } = harness({ far: OTHER });
    for (let n = 0; n < MAX_PENDING + 10; n++) expect(relay.route('me', offer('far', n), () => {})).toBe(false);
    await settle();
    expect(published).toHaveLength(MAX_PENDING);
    expect(relay.route('me', offer('far'), () => {})).toBe(false);
    await settle();
    expect(published).toHaveLength(MAX_PENDING + 1);
  });
});

describe('CrossNodeRelay.receive', () => {
  const envelope = (type: string, dst: string): string => JSON.stringify({ v: 1, from: OTHER, type, src: 'far', dst, payload: { x: 1 } });

  it('hands a message to its local peer in PeerServer\'s shape', () => {
    const { relay, delivered, metrics } = harness({}, ['here']);
    relay.receive(envelope('ANSWER', 'here'));
    expect(delivered).toEqual([{ id: 'here', message: { type: 'ANSWER', src: 'far', dst: 'here', payload: { x: 1 } } }]);
    expect(metrics.crossNode('received')).toBe(1);
  });

  it('answers EXPIRE to the sending node when the peer is no longer here, and drops bad envelopes', async () => {
    const { relay, published, delivered } = harness({});
    relay.receive(envelope('OFFER', 'left'));
    relay.receive(envelope('LEAVE', 'left')); // nothing to answer
    relay.receive('{"v":1,"from":"x"}');
    await settle();
    expect(delivered).toEqual([]);
    expect(published).toEqual([{ node: OTHER, envelope: { v: 1, from: ME, type: 'EXPIRE', src: 'left', dst: 'far' } }]);
  });
});
