/**
 * Departed peers leave their swarm at once, in memory and in Redis (issue 5, item 2): a WebSocket
 * close, a PeerJS LEAVE, and a socket that dies without a close (no pong to the node's pings).
 * Right after the node has seen the departure, a join through the same node never names the
 * peer (the release goes to Redis before any later join of that node); through another node, as
 * soon as the release has landed (the presence is gone), and a join that raced the departure
 * cannot bring it back. Holdings and region hints travel through Redis too. Needs redis-server.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { presenceKey, swarmSetKey } from './cluster-keys.js';
import { type RedisServer, eventually, startRedis } from './cluster-test-kit.js';
import type { SignalNode } from './signal-node.js';
import { swarmKey } from './swarm-registry.js';
import { ORIGIN_A, type NodeAddress, SignalKit, type TestPeer, answeredPeers, joinBody, postJoin, until } from './test-kit.js';

const kit = new SignalKit();
let redis: RedisServer | undefined;
let probe: Redis | undefined;

beforeAll(async () => {
  redis = await startRedis();
  probe = new Redis(redis.url);
}, 20_000);
afterAll(async () => {
  probe?.disconnect();
  await redis?.kill();
});
afterEach(() => kit.cleanup());

function redisProbe(): Redis {
  if (probe === undefined) throw new Error('redis-server did not start');
  return probe;
}

async function twoNodes(options: { pingIntervalMs?: number } = {}): Promise<[SignalNode, SignalNode]> {
  if (redis === undefined) throw new Error('redis-server did not start');
  const shared = { redis: redis.url, presenceTtlMs: 30_000, ...options };
  return [await kit.node(shared), await kit.node(shared)];
}

/** A swarm of its own for each test (the Redis outlives tests). */
function newSwarm(): string {
  return randomBytes(8).toString('hex');
}

async function join(node: NodeAddress, peer: Pick<TestPeer, 'id' | 'token'>, keyId: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  return answeredPeers(await postJoin(node, joinBody(peer, { keyId, ...extra })));
}

/** Whether Redis still lists `peer` in the swarm set or has its presence. */
async function inRedis(peerId: string, keyId: string): Promise<boolean> {
  const r = redisProbe();
  const [score, presence] = await Promise.all([r.zscore(swarmSetKey(swarmKey(ORIGIN_A, keyId, 1)), peerId), r.exists(presenceKey(peerId))]);
  return score !== null || presence === 1;
}

type Departure = (peer: TestPeer) => Promise<void>;

const departures: [string, Departure, { pingIntervalMs?: number }][] = [
  ['a WebSocket close', async (peer) => void (await peer.close()), {}],
  ['a PeerJS LEAVE (socket still open)', async (peer) => peer.send({ type: 'LEAVE' }), {}],
  ['a socket that dies without a close (no pong)', async () => {}, { pingIntervalMs: 150 }],
];

describe('departed peers leave their swarm at once, across nodes sharing Redis', () => {
  it.each(departures)('after %s', async (_name, depart, options) => {
    const [a, b] = await twoNodes(options);
    const swarm = newSwarm();
    const leaving = await kit.peer(a, { autoPong: options.pingIntervalMs === undefined });
    const here = await kit.peer(a);
    const there = await kit.peer(b);
    await join(a, leaving, swarm);
    expect(await join(a, here, swarm)).toEqual([leaving.id]);
    expect((await join(b, there, swarm)).sort()).toEqual([here.id, leaving.id].sort());

    await depart(leaving);
    await until(() => a.stats().peers === 1, 3000, 'node A to see the departure');
    // Same node: its release reached Redis before this join.
    expect(await join(a, here, swarm)).toEqual([there.id]);
    expect(await inRedis(leaving.id, swarm)).toBe(false);
    expect(await join(b, there, swarm)).toEqual([here.id]);
    // A join for the departed peer is refused and writes nothing.
    expect((await postJoin(b, joinBody(leaving, { keyId: swarm }))).status).toBe(401);
    expect(await inRedis(leaving.id, swarm)).toBe(false);
  });

  it('a departure seen by its node is gone from another node\'s answers as soon as the release lands', async () => {
    const [a, b] = await twoNodes();
    const swarm = newSwarm();
    const leaving = await kit.peer(a);
    const there = await kit.peer(b);
    await join(a, leaving, swarm);
    expect(await join(b, there, swarm)).toEqual([leaving.id]);
    await leaving.close();
    await eventually(async () => !(await inRedis(leaving.id, swarm)), 3000, 'the release to land');
    expect(await join(b, there, swarm)).toEqual([]);
  });

  it('a member whose presence is gone is not named, and is dropped from the swarm set', async () => {
    const [a] = await twoNodes();
    const swarm = newSwarm();
    const ghost = await kit.peer(a);
    const joiner = await kit.peer(a);
    await join(a, ghost, swarm);
    // As if its node had died and its presence expired before the swarm entry.
    await ghost.close();
    await until(() => a.stats().peers === 1, 3000, 'the close');
    await redisProbe().zadd(swarmSetKey(swarmKey(ORIGIN_A, swarm, 1)), Date.now() + 60_000, ghost.id);
    expect(await join(a, joiner, swarm)).toEqual([]);
    expect(await redisProbe().zscore(swarmSetKey(swarmKey(ORIGIN_A, swarm, 1)), ghost.id)).toBeNull();
  });

  it('holdings and region hints travel through Redis: a joiner on one node is named the holder on another first', async () => {
    const [a, b] = await twoNodes();
    const swarm = newSwarm();
    const empties = await Promise.all(Array.from({ length: 4 }, () => kit.peer(a)));
    for (const e of empties) await join(a, e, swarm);
    const holder = await kit.peer(b);
    const local = await kit.peer(a);
    await join(b, holder, swarm, { holds: 0.75, region: 'us-east' });
    await join(a, local, swarm, { region: 'eu-west' });
    const joiner = await kit.peer(a);
    expect(await join(a, joiner, swarm, { max: 1 })).toEqual([holder.id]);
    expect(await join(b, joiner, swarm, { max: 2, region: 'eu-west' })).toEqual([local.id, holder.id]);
    const stored = await redisProbe().hgetall(presenceKey(holder.id));
    expect(stored).toMatchObject({ holds: '0.75', region: 'us-east', swarm: swarmSetKey(swarmKey(ORIGIN_A, swarm, 1)) });
    expect(stored.token).toMatch(/^[0-9a-f]{64}$/);
  });
});
