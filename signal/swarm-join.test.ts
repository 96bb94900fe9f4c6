import { afterEach, describe, expect, it } from 'vitest';
import { KEY_A, KEY_B, ORIGIN_A, ORIGIN_B, SignalKit, answeredPeers, joinBody, postJoin, randomId, until } from './test-kit.js';

const kit = new SignalKit();
afterEach(() => kit.cleanup());

describe('POST /swarm/v1/join', () => {
  it('two peers in the same swarm learn each other, and never themselves', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    const first = await postJoin(node, joinBody(a));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ v: 1, peers: [] });
    expect(answeredPeers(await postJoin(node, joinBody(b)))).toEqual([a.id]);
    expect(answeredPeers(await postJoin(node, joinBody(a)))).toEqual([b.id]);
    expect(node.stats()).toEqual({ peers: 2, swarms: 1 });
  });

  it('answers at most min(max, maxSwarmAnswer) others, all from the swarm', async () => {
    const node = await kit.node({ maxSwarmAnswer: 2 });
    const peers = await Promise.all(Array.from({ length: 5 }, () => kit.peer(node)));
    for (const p of peers) await postJoin(node, joinBody(p, { max: 32 }));
    const self = peers[0];
    if (!self) throw new Error('no peer');
    const others = peers.slice(1).map((p) => p.id);
    const capped = answeredPeers(await postJoin(node, joinBody(self, { max: 32 })));
    expect(capped).toHaveLength(2);
    for (const id of capped) expect(others).toContain(id);
    expect(answeredPeers(await postJoin(node, joinBody(self, { max: 1 })))).toHaveLength(1);
    expect(answeredPeers(await postJoin(node, joinBody(self, { max: 0 })))).toEqual([]);
  });

  it('a wrong token is 401 SIGNAL_UNAUTHORIZED and does not join', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    const answer = await postJoin(node, joinBody(a, { token: 'not-the-token' }));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { code: 'SIGNAL_UNAUTHORIZED' } });
    expect(answeredPeers(await postJoin(node, joinBody(b)))).toEqual([]);
    expect(node.stats().swarms).toBe(1);
  });

  it('a peer id that is not connected here is 401 SIGNAL_UNAUTHORIZED', async () => {
    const node = await kit.node();
    const answer = await postJoin(node, joinBody({ id: randomId('ghost'), token: 'abc' }));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { code: 'SIGNAL_UNAUTHORIZED' } });
    expect(node.stats()).toEqual({ peers: 0, swarms: 0 });
  });

  it.each([
    ['not JSON', '{"v":1,', 'application/json'],
    ['a JSON array', '[1,2]', 'application/json'],
    ['a wrong protocol version', JSON.stringify({ v: 2, peerId: 'p', token: 't', keyId: KEY_A, version: 1, max: 1 }), 'application/json'],
    ['a bad key id', JSON.stringify({ v: 1, peerId: 'p', token: 't', keyId: 'XYZ', version: 1, max: 1 }), 'application/json'],
    ['max above the protocol cap', JSON.stringify({ v: 1, peerId: 'p', token: 't', keyId: KEY_A, version: 1, max: 33 }), 'application/json'],
    ['holds above 1', JSON.stringify({ v: 1, peerId: 'p', token: 't', keyId: KEY_A, version: 1, max: 1, holds: 2 }), 'application/json'],
    ['a bad region', JSON.stringify({ v: 1, peerId: 'p', token: 't', keyId: KEY_A, version: 1, max: 1, region: 'EU WEST' }), 'application/json'],
    ['a body over 4 KiB', JSON.stringify({ v: 1, peerId: 'p', token: 't', keyId: KEY_A, version: 1, max: 1, pad: 'x'.repeat(5000) }), 'application/json'],
    ['a non-JSON content type', JSON.stringify({ v: 1, peerId: 'p', token: 't', keyId: KEY_A, version: 1, max: 1 }), 'text/plain'],
  ])('%s is 400 SIGNAL_BAD_REQUEST', async (_name, body, contentType) => {
    const node = await kit.node();
    const answer = await postJoin(node, body, ORIGIN_A, contentType);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'SIGNAL_BAD_REQUEST', message: expect.any(String) } });
  });

  it('different Origin, key id or version are separate swarms', async () => {
    const node = await kit.node();
    const [base, otherOrigin, noOrigin, otherKey, otherVersion, late] = await Promise.all(Array.from({ length: 6 }, () => kit.peer(node)));
    if (!base || !otherOrigin || !noOrigin || !otherKey || !otherVersion || !late) throw new Error('peers missing');
    expect(answeredPeers(await postJoin(node, joinBody(base)))).toEqual([]);
    expect(answeredPeers(await postJoin(node, joinBody(otherOrigin), ORIGIN_B))).toEqual([]);
    expect(answeredPeers(await postJoin(node, joinBody(noOrigin), null))).toEqual([]);
    expect(answeredPeers(await postJoin(node, joinBody(otherKey, { keyId: KEY_B })))).toEqual([]);
    expect(answeredPeers(await postJoin(node, joinBody(otherVersion, { version: 2 })))).toEqual([]);
    expect(node.stats().swarms).toBe(5);
    expect(answeredPeers(await postJoin(node, joinBody(late)))).toEqual([base.id]);
  });

  it('a peer that joins another version leaves its old swarm', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    await postJoin(node, joinBody(a));
    expect(answeredPeers(await postJoin(node, joinBody(b)))).toEqual([a.id]);
    expect(answeredPeers(await postJoin(node, joinBody(a, { version: 2 })))).toEqual([]);
    expect(answeredPeers(await postJoin(node, joinBody(b)))).toEqual([]);
  });

  it('a disconnected peer is gone from the next answer and can no longer join', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    await postJoin(node, joinBody(a));
    expect(answeredPeers(await postJoin(node, joinBody(b)))).toEqual([a.id]);
    await a.close();
    await until(() => node.stats().peers === 1, 2000, 'the node to see the disconnect');
    expect(answeredPeers(await postJoin(node, joinBody(b)))).toEqual([]);
    expect((await postJoin(node, joinBody(a))).status).toBe(401);
  });

  it('a peer whose socket dies without a close (no pong) leaves its swarm after the ping interval', async () => {
    const node = await kit.node({ pingIntervalMs: 150 });
    const dead = await kit.peer(node, { autoPong: false });
    const live = await kit.peer(node);
    await postJoin(node, joinBody(dead));
    expect(answeredPeers(await postJoin(node, joinBody(live)))).toEqual([dead.id]);
    expect(await dead.closed).toBe(1006); // cut by the node, no close handshake
    await until(() => node.stats().peers === 1, 2000, 'the node to drop the dead socket');
    expect(answeredPeers(await postJoin(node, joinBody(live)))).toEqual([]);
    expect((await postJoin(node, joinBody(dead))).status).toBe(401);
    // The live one answers every ping and stays.
    expect(node.stats()).toEqual({ peers: 1, swarms: 1 });
  });

  it('names members holding content first, and the same region before that when a hint is given', async () => {
    const node = await kit.node();
    const [empty, holder, euEmpty, joiner] = await Promise.all(Array.from({ length: 4 }, () => kit.peer(node)));
    if (!empty || !holder || !euEmpty || !joiner) throw new Error('peers missing');
    await postJoin(node, joinBody(empty));
    await postJoin(node, joinBody(holder, { holds: 0.6, region: 'us-east' }));
    await postJoin(node, joinBody(euEmpty, { holds: 0, region: 'eu-west' }));
    expect(answeredPeers(await postJoin(node, joinBody(joiner, { max: 1 })))).toEqual([holder.id]);
    expect(answeredPeers(await postJoin(node, joinBody(joiner, { max: 2, region: 'eu-west' })))).toEqual([euEmpty.id, holder.id]);
    // Joining again refreshes what the node knows: the holder now holds nothing, the other everything.
    await postJoin(node, joinBody(holder, { holds: 0 }));
    await postJoin(node, joinBody(empty, { holds: 1 }));
    expect(answeredPeers(await postJoin(node, joinBody(joiner, { max: 1, holds: 0.1 })))).toEqual([empty.id]);
  });

  it('a LEAVE without dst (PeerServer drops the client) also ends swarm membership', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    await postJoin(node, joinBody(a));
    a.send({ type: 'LEAVE' });
    await until(() => node.stats().peers === 1, 2000, 'the LEAVE to be seen');
    expect(answeredPeers(await postJoin(node, joinBody(b)))).toEqual([]);
  });

  it('reflects the Origin in CORS headers and answers the preflight', async () => {
    const node = await kit.node();
    const preflight = await fetch(`${node.url}/swarm/v1/join`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN_A, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN_A);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const a = await kit.peer(node);
    const ok = await postJoin(node, joinBody(a), ORIGIN_B);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN_B);
    const refused = await postJoin(node, joinBody(a, { token: 'wrong' }), ORIGIN_B);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN_B);
  });
});
