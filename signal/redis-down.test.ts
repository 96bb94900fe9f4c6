/**
 * A node whose Redis goes away keeps serving its own peers (admission, relaying, swarm answers
 * from its own members), says so in /health and /metrics, and writes its presence again once
 * Redis is back. Needs redis-server (apt-get install redis-server); without it this test fails.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { presenceKey, swarmSetKey } from './cluster-keys.js';
import { type RedisServer, eventually, startRedis } from './cluster-test-kit.js';
import { swarmKey } from './swarm-registry.js';
import { type NodeAddress, ORIGIN_A, SignalKit, type TestPeer, answeredPeers, joinBody, postJoin } from './test-kit.js';

const kit = new SignalKit();
const servers: RedisServer[] = [];
const probes: Redis[] = [];
afterEach(async () => {
  await kit.cleanup();
  for (const probe of probes.splice(0)) probe.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

async function join(node: NodeAddress, peer: Pick<TestPeer, 'id' | 'token'>, keyId: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  return answeredPeers(await postJoin(node, joinBody(peer, { keyId, ...extra })));
}

async function health(node: NodeAddress): Promise<Record<string, unknown>> {
  const body: unknown = await (await fetch(`${node.url}/health`)).json();
  return typeof body === 'object' && body !== null ? { ...body } : {};
}

function metricValue(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('a node whose Redis is down', () => {
  it('serves its own peers, reports redis down, and writes its presence again when Redis is back', async () => {
    const first = await startRedis();
    servers.push(first);
    const node = await kit.node({ redis: first.url, presenceTtlMs: 2000 });
    const swarm = randomBytes(8).toString('hex');
    const x = await kit.peer(node);
    const y = await kit.peer(node);
    await join(node, x, swarm);
    expect(await join(node, y, swarm, { holds: 0.5, region: 'eu-west' })).toEqual([x.id]);
    expect(await health(node)).toMatchObject({ ok: true, redis: 'up' });

    await first.kill();
    servers.splice(0);
    await eventually(async () => (await health(node)).redis === 'down', 5000, 'the node to notice');
    expect(await health(node)).toMatchObject({ ok: true, redis: 'down' });
    const z = await kit.peer(node);
    expect(await join(node, x, swarm)).toEqual([y.id]);
    x.send({ type: 'OFFER', dst: y.id, payload: { connectionId: 'dc_1' } });
    expect(await y.next((m) => m.type === 'OFFER')).toMatchObject({ src: x.id, payload: { connectionId: 'dc_1' } });
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metricValue(metrics, 'deploynet_signal_redis_up')).toBe(0);

    const again = await startRedis(first.port);
    servers.push(again);
    const probe = new Redis(again.url);
    probes.push(probe);
    await eventually(async () => (await health(node)).redis === 'up', 10_000, 'the node to reconnect');
    await eventually(async () => (await probe.hget(presenceKey(z.id), 'node')) !== null, 5000, 'the presence to be written again');
    expect((await join(node, z, swarm)).sort()).toEqual([x.id, y.id].sort());
    // The swarm in Redis has all three again: x and y from the refresh, z from its join.
    expect(await probe.zcard(swarmSetKey(swarmKey(ORIGIN_A, swarm, 1)))).toBe(3);
    // The refresh wrote back what y said in its join, too.
    expect(await probe.hmget(presenceKey(y.id), 'holds', 'region')).toEqual(['0.5', 'eu-west']);
  });
});
