/**
 * Per-address limits on a real node with real WebSockets (security invariant 8). Addresses are
 * told apart with X-Forwarded-For on a node that trusts one proxy, as behind a reverse proxy.
 * Rate limits run on a frozen clock, so buckets never refill and the counts are exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PEERJS_KEY } from '../core/swarm.js';
import type { BucketClock } from '../core/token-bucket.js';
import { SignalKit, randomId, refusalOf, until } from './test-kit.js';

const kit = new SignalKit();
afterEach(() => kit.cleanup());

const frozen: BucketClock = { now: () => 0, sleep: () => new Promise(() => {}) };

async function metric(url: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('per-address connection cap', () => {
  it('refuses the connection over the cap with SIGNAL_TOO_MANY_CONNECTIONS; other addresses and freed slots are fine', async () => {
    const node = await kit.node({ trustProxy: 1, maxConnectionsPerAddress: 2 });
    const first = await kit.peer(node, { forwardedFor: '198.51.100.1' });
    await kit.peer(node, { forwardedFor: '198.51.100.1' });
    const third = kit.socket(node, { key: PEERJS_KEY, id: randomId('third'), token: 't' }, undefined, { forwardedFor: '198.51.100.1' });
    const refusal = await refusalOf(third);
    expect(refusal.message).toMatchObject({ type: 'ERROR', payload: { msg: expect.stringMatching(/^SIGNAL_TOO_MANY_CONNECTIONS: /) } });
    expect(refusal).toMatchObject({ code: 4429, reason: 'SIGNAL_TOO_MANY_CONNECTIONS' });
    await kit.peer(node, { forwardedFor: '198.51.100.2' });
    expect(node.stats().peers).toBe(3);

    await first.close();
    await until(() => node.stats().peers === 2, 2000, 'the close to be seen');
    await kit.peer(node, { forwardedFor: '198.51.100.1' });
    expect(await metric(node.url, 'deploynet_signal_rejections_total{code="SIGNAL_TOO_MANY_CONNECTIONS"}')).toBe(1);
  });

  it('ignores X-Forwarded-For on a node that trusts no proxy: a client cannot pick its address', async () => {
    const node = await kit.node({ maxConnectionsPerAddress: 1 });
    await kit.peer(node, { forwardedFor: '203.0.113.1' });
    const second = kit.socket(node, { key: PEERJS_KEY, id: randomId('p'), token: 't' }, undefined, { forwardedFor: '203.0.113.2' });
    expect(await refusalOf(second)).toMatchObject({ code: 4429, reason: 'SIGNAL_TOO_MANY_CONNECTIONS' });
  });

  it('refuses a peer over maxPeers with SIGNAL_NODE_FULL (1013)', async () => {
    const node = await kit.node({ maxPeers: 1 });
    await kit.peer(node);
    const late = kit.socket(node, { key: PEERJS_KEY, id: randomId('late'), token: 't' });
    const refusal = await refusalOf(late);
    expect(refusal.message).toMatchObject({ type: 'ERROR', payload: { msg: expect.stringMatching(/^SIGNAL_NODE_FULL: /) } });
    expect(refusal).toMatchObject({ code: 1013, reason: 'SIGNAL_NODE_FULL' });
  });
});

describe('message rate per address', () => {
  it('throttles a flood while a well-behaved client on the same node keeps relaying', async () => {
    const burst = 50;
    const node = await kit.node({ trustProxy: 1, messageBurst: burst, messageRate: 1, clock: frozen });
    const victim = await kit.peer(node, { forwardedFor: '192.0.2.10' });
    const good = await kit.peer(node, { forwardedFor: '192.0.2.20' });
    const partner = await kit.peer(node, { forwardedFor: '192.0.2.30' });
    const flooder = await kit.peer(node, { forwardedFor: '192.0.2.66' });
    const refused = refusalOf(flooder.ws);

    for (let i = 0; i < 500; i++) {
      flooder.send({ type: 'OFFER', dst: victim.id, payload: { flood: i } });
      if (i % 25 === 0) good.send({ type: 'OFFER', dst: partner.id, payload: { good: i / 25 } });
    }
    const refusal = await refused;
    expect(refusal.message).toMatchObject({ type: 'ERROR', payload: { msg: expect.stringMatching(/^SIGNAL_RATE_LIMITED: /) } });
    expect(refusal).toMatchObject({ code: 4429, reason: 'SIGNAL_RATE_LIMITED' });

    // After the flooder is gone, the good client still relays; once this marker reaches the victim,
    // everything relayed to it before has arrived too (one socket, in order).
    good.send({ type: 'OFFER', dst: victim.id, payload: { marker: true } });
    await victim.next((m) => m.src === good.id);
    await partner.next((m) => m.src === good.id && JSON.stringify(m.payload) === '{"good":19}');

    const fromFlooder = victim.received.filter((m) => m.src === flooder.id);
    expect(fromFlooder).toHaveLength(burst - 1); // the upgrade took the first token
    expect(partner.received.filter((m) => m.src === good.id)).toHaveLength(20);
    expect(good.ws.readyState).toBe(good.ws.OPEN);
    expect(await metric(node.url, 'deploynet_signal_rejections_total{code="SIGNAL_RATE_LIMITED"}')).toBe(1);
    expect(await metric(node.url, 'deploynet_signal_relayed_total{type="OFFER"}')).toBe(burst - 1 + 20 + 1);
  });

  it('a ping flood pays the same bucket and is refused the same way', async () => {
    const node = await kit.node({ trustProxy: 1, messageBurst: 10, messageRate: 1, clock: frozen });
    const pinger = await kit.peer(node, { forwardedFor: '192.0.2.77' });
    const refused = refusalOf(pinger.ws);
    for (let i = 0; i < 100; i++) pinger.ws.ping();
    expect(await refused).toMatchObject({ code: 4429, reason: 'SIGNAL_RATE_LIMITED' });
  });

  it('every upgrade attempt costs a token, refused or not', async () => {
    const node = await kit.node({ trustProxy: 1, messageBurst: 3, messageRate: 1, clock: frozen, allowedOrigins: ['https://site-a.example'] });
    const from = { forwardedFor: '192.0.2.7', origin: 'https://evil.example' };
    for (let i = 0; i < 3; i++) {
      expect(await refusalOf(kit.socket(node, { key: PEERJS_KEY, id: randomId('x'), token: 't' }, undefined, from))).toMatchObject({ reason: 'SIGNAL_ORIGIN_REFUSED' });
    }
    expect(await refusalOf(kit.socket(node, { key: PEERJS_KEY, id: randomId('x'), token: 't' }, undefined, from))).toMatchObject({ code: 4429, reason: 'SIGNAL_RATE_LIMITED' });
  });
});

describe('message size', () => {
  it('closes a socket whose message exceeds maxMessageBytes with 1009 and counts SIGNAL_MESSAGE_TOO_LARGE', async () => {
    const node = await kit.node({ maxMessageBytes: 2048 });
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    const atCap = JSON.stringify({ type: 'OFFER', dst: a.id, payload: { pad: '' } });
    b.ws.send(atCap.replace('"pad":""', `"pad":"${'x'.repeat(2048 - atCap.length)}"`));
    expect((await a.next((m) => m.type === 'OFFER')).src).toBe(b.id);
    b.ws.send('x'.repeat(2049));
    expect(await b.closed).toBe(1009);
    await until(() => node.stats().peers === 1, 2000, 'the oversized sender to be dropped');
    expect(await metric(node.url, 'deploynet_signal_rejections_total{code="SIGNAL_MESSAGE_TOO_LARGE"}')).toBe(1);
  });
});

describe('id hijacking', () => {
  it('refuses a second connection claiming a live id with another token; the owner keeps its id', async () => {
    const node = await kit.node();
    const owner = await kit.peer(node);
    const thief = kit.socket(node, { key: PEERJS_KEY, id: owner.id, token: 'guessed-token' });
    const refusal = await refusalOf(thief);
    expect(refusal.message).toMatchObject({ type: 'ID-TAKEN', payload: { msg: expect.stringMatching(/^SIGNAL_ID_TAKEN: /) } });
    expect(refusal).toMatchObject({ code: 4409, reason: 'SIGNAL_ID_TAKEN' });

    const other = await kit.peer(node);
    other.send({ type: 'OFFER', dst: owner.id, payload: { to: 'owner' } });
    expect((await owner.next((m) => m.type === 'OFFER')).src).toBe(other.id);
    expect(await metric(node.url, 'deploynet_signal_rejections_total{code="SIGNAL_ID_TAKEN"}')).toBe(1);
  });

  it('lets the owner reconnect with its own token (PeerJS reconnect): the id moves to the new socket', async () => {
    const node = await kit.node();
    const owner = await kit.peer(node);
    const again = kit.socket(node, { key: PEERJS_KEY, id: owner.id, token: owner.token });
    const first = new Promise<unknown>((resolve) => again.once('message', (data) => resolve(JSON.parse(String(data)))));
    // The node hands the socket to PeerServer right after the 101 it sends, so by 'open' the id has moved.
    await new Promise((resolve) => again.once('open', resolve));
    const other = await kit.peer(node);
    other.send({ type: 'CANDIDATE', dst: owner.id, payload: { probe: true } });
    expect(await first).toMatchObject({ type: 'CANDIDATE', src: other.id });
  });
});
