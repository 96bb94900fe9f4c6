/**
 * Several signal nodes sharing a real Redis (`--redis`): a peer on node A reaches a peer on node
 * B, swarms span both, an id live on one node is refused on the other, and when B crashes
 * (SIGKILL, in its own process) its peers leave the swarms within the presence TTL and come back
 * through A. Needs redis-server (apt-get install redis-server); without it these tests fail.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PEERJS_KEY } from '../core/swarm.js';
import { type ChildNode, type RedisServer, eventually, startChildNode, startRedis } from './cluster-test-kit.js';
import { type NodeAddress, SignalKit, type TestPeer, answeredPeers, joinBody, postJoin, refusalOf } from './test-kit.js';

const TTL_MS = 2000;
/** A bounded wait for the TTL: expiry plus a poll and a join round trip on a loaded machine. */
const TTL_WAIT_MS = TTL_MS + 1500;

const kit = new SignalKit();
const children: ChildNode[] = [];
let redis: RedisServer | undefined;

beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(() => redis?.kill());
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
  await kit.cleanup();
});

function sharedRedis(): string {
  if (redis === undefined) throw new Error('redis-server did not start');
  return redis.url;
}

/** A swarm of its own for each test (the Redis outlives tests). */
function newSwarm(): string {
  return randomBytes(8).toString('hex');
}

async function join(node: NodeAddress, peer: Pick<TestPeer, 'id' | 'token'>, keyId: string): Promise<string[]> {
  return answeredPeers(await postJoin(node, joinBody(peer, { keyId })));
}

async function text(node: NodeAddress, path: string): Promise<string> {
  return (await fetch(`${node.url}${path}`)).text();
}

function metricValue(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('several signal nodes sharing Redis', () => {
  it('relays OFFER, ANSWER and CANDIDATE between peers on different nodes, with swarms across nodes', async () => {
    const options = { redis: sharedRedis(), presenceTtlMs: TTL_MS };
    const a = await kit.node(options);
    const b = await startChildNode(options);
    children.push(b);
    const swarm = newSwarm();
    const pa = await kit.peer(a);
    const pb = await kit.peer(b);
    expect(await join(a, pa, swarm)).toEqual([]);
    expect(await join(b, pb, swarm)).toEqual([pa.id]);
    expect(await join(a, pa, swarm)).toEqual([pb.id]);
    // The join route is stateless: any node answers for a peer connected to another one...
    expect(await join(a, pb, swarm)).toEqual([pa.id]);
    // ...when the token matches.
    const forged = await postJoin(a, joinBody({ id: pb.id, token: 'not-its-token' }, { keyId: swarm }));
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ error: { code: 'SIGNAL_UNAUTHORIZED' } });

    const offer = { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId: 'dc_1' };
    pa.send({ type: 'OFFER', dst: pb.id, src: 'forged', payload: offer });
    expect(await pb.next((m) => m.type === 'OFFER')).toEqual({ type: 'OFFER', src: pa.id, dst: pb.id, payload: offer });
    pb.send({ type: 'ANSWER', dst: pa.id, payload: { sdp: { type: 'answer', sdp: 'v=0' }, connectionId: 'dc_1' } });
    expect(await pa.next((m) => m.type === 'ANSWER')).toMatchObject({ type: 'ANSWER', src: pb.id, dst: pa.id, payload: { connectionId: 'dc_1' } });
    pb.send({ type: 'CANDIDATE', dst: pa.id, payload: { candidate: { candidate: 'c1' }, connectionId: 'dc_1' } });
    expect(await pa.next((m) => m.type === 'CANDIDATE')).toMatchObject({ src: pb.id, payload: { candidate: { candidate: 'c1' } } });

    const metrics = await text(a, '/metrics');
    expect(metricValue(metrics, 'deploynet_signal_redis_up')).toBe(1);
    expect(metricValue(metrics, 'deploynet_signal_cross_node_relayed_total{direction="sent"}')).toBe(1);
    expect(metricValue(metrics, 'deploynet_signal_cross_node_relayed_total{direction="received"}')).toBe(2);
  });

  it('refuses an id that is live on another node with another token (SIGNAL_ID_TAKEN)', async () => {
    const options = { redis: sharedRedis(), presenceTtlMs: TTL_MS };
    const a = await kit.node(options);
    const b = await kit.node(options);
    const pb = await kit.peer(b);
    const refusal = await refusalOf(kit.socket(a, { key: PEERJS_KEY, id: pb.id, token: 'another-token' }));
    expect(refusal).toMatchObject({ code: 4409, reason: 'SIGNAL_ID_TAKEN' });
    expect(refusal.message).toMatchObject({ type: 'ID-TAKEN' });
  });

  it('drops a crashed node\'s peers from swarms within the TTL; they reconnect through another node', async () => {
    const options = { redis: sharedRedis(), presenceTtlMs: TTL_MS };
    const a = await kit.node(options);
    const b = await startChildNode(options);
    children.push(b);
    const swarm = newSwarm();
    const pa = await kit.peer(a);
    const pb = await kit.peer(b);
    await join(b, pb, swarm);
    expect(await join(a, pa, swarm)).toEqual([pb.id]);

    await b.kill();
    await eventually(async () => !(await join(a, pa, swarm)).includes(pb.id), TTL_WAIT_MS, 'the crashed node\'s peer to leave the swarm');

    // PeerJS reconnects with the same id and token, here through node A.
    const back = await kit.peer(a, { id: pb.id, token: pb.token });
    expect(await join(a, back, swarm)).toEqual([pa.id]);
    expect(await join(a, pa, swarm)).toEqual([pb.id]);
    pa.send({ type: 'OFFER', dst: pb.id, payload: { connectionId: 'dc_2' } });
    expect(await back.next((m) => m.type === 'OFFER')).toMatchObject({ src: pa.id, payload: { connectionId: 'dc_2' } });
  });
});
