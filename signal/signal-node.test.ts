import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isDeployNetError } from '../core/errors.js';
import { startSignalNode } from './signal-node.js';
import { SignalKit, joinBody, postJoin } from './test-kit.js';

const kit = new SignalKit();
afterEach(() => kit.cleanup());

/** Resolves true when a plain TCP server can bind host:port (the port is free). */
function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('startSignalNode', () => {
  it('binds port 0 to a real port and reports a base URL without a trailing slash', async () => {
    const node = await kit.node();
    expect(node.port).toBeGreaterThan(0);
    expect(node.url).toBe(`http://127.0.0.1:${node.port}`);
    expect(node.stats()).toEqual({ peers: 0, swarms: 0 });
  });

  it('refuses bad options with BAD_CONFIG', async () => {
    await expect(startSignalNode({ port: 70_000 })).rejects.toSatisfy((e) => isDeployNetError(e, 'BAD_CONFIG'));
    await expect(startSignalNode({ host: 'http://x' })).rejects.toSatisfy((e) => isDeployNetError(e, 'BAD_CONFIG'));
  });

  it('reports a port in use as BAD_CONFIG', async () => {
    const node = await kit.node();
    await expect(startSignalNode({ port: node.port })).rejects.toSatisfy((e) => isDeployNetError(e, 'BAD_CONFIG') && e.message.includes('EADDRINUSE'));
  });

  it('GET /health answers ok with counts and uptime', async () => {
    const node = await kit.node();
    await kit.peer(node);
    const res = await fetch(`${node.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, draining: false, peers: 1, swarms: 0, uptimeSeconds: expect.any(Number) });
  });

  it('GET /metrics is Prometheus text and the metrics move', async () => {
    const node = await kit.node();
    const read = async (): Promise<string> => {
      const res = await fetch(`${node.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
      return res.text();
    };
    const before = await read();
    for (const [name, type] of [
      ['deploynet_signal_peers', 'gauge'],
      ['deploynet_signal_swarms', 'gauge'],
      ['deploynet_signal_addresses', 'gauge'],
      ['deploynet_signal_draining', 'gauge'],
      ['deploynet_signal_connections_total', 'counter'],
      ['deploynet_signal_relayed_total', 'counter'],
      ['deploynet_signal_joins_total', 'counter'],
      ['deploynet_signal_rejections_total', 'counter'],
    ]) {
      expect(before).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(metricValue(before, 'deploynet_signal_peers')).toBe(0);
    expect(metricValue(before, 'deploynet_signal_joins_total')).toBe(0);
    expect(metricValue(before, 'deploynet_signal_draining')).toBe(0);
    expect(metricValue(before, 'deploynet_signal_rejections_total{code="SIGNAL_ORIGIN_REFUSED"}')).toBe(0);

    const a = await kit.peer(node);
    const b = await kit.peer(node);
    a.send({ type: 'OFFER', dst: b.id, payload: {} });
    a.send({ type: 'CANDIDATE', dst: b.id, payload: {} });
    a.send({ type: 'HEARTBEAT' });
    await b.next((m) => m.type === 'CANDIDATE');
    await postJoin(node, joinBody(a));
    await postJoin(node, joinBody(a, { token: 'wrong' }));
    await postJoin(node, joinBody(a, { token: 'wrong' }));
    await postJoin(node, '{');
    const after = await read();
    expect(metricValue(after, 'deploynet_signal_peers')).toBe(2);
    expect(metricValue(after, 'deploynet_signal_swarms')).toBe(1);
    expect(metricValue(after, 'deploynet_signal_addresses')).toBe(1);
    expect(metricValue(after, 'deploynet_signal_connections_total')).toBe(2);
    expect(metricValue(after, 'deploynet_signal_relayed_total{type="OFFER"}')).toBe(1);
    expect(metricValue(after, 'deploynet_signal_relayed_total{type="CANDIDATE"}')).toBe(1);
    expect(metricValue(after, 'deploynet_signal_joins_total')).toBe(1);
    expect(metricValue(after, 'deploynet_signal_rejections_total{code="SIGNAL_UNAUTHORIZED"}')).toBe(2);
    expect(metricValue(after, 'deploynet_signal_rejections_total{code="SIGNAL_BAD_REQUEST"}')).toBe(1);
  });

  it('logs structured entries, never the token', async () => {
    const entries: Record<string, unknown>[] = [];
    const node = await kit.node({ log: (e) => entries.push(e) });
    const a = await kit.peer(node);
    await postJoin(node, joinBody(a));
    expect(entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'listening', url: node.url, siteTokenCount: 0 }));
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'swarm-join', peerId: a.id }));
    expect(JSON.stringify(entries)).not.toContain(a.token);
  });

  it('keeps working when the log function throws', async () => {
    const node = await kit.node({
      log: () => {
        throw new Error('broken logger');
      },
    });
    const a = await kit.peer(node);
    expect((await postJoin(node, joinBody(a))).status).toBe(200);
  });

  it('close() closes sockets, frees the port, and is idempotent', async () => {
    const node = await startSignalNode({ port: 0 });
    const a = await kit.peer(node);
    const first = node.close();
    expect(node.close()).toBe(first);
    await first;
    expect(await a.closed).toBe(1012);
    expect(await canBind(node.port)).toBe(true);
    await node.close();
    await expect(fetch(`${node.url}/health`)).rejects.toThrow();
  });

  it('close() also waits for idle keep-alive HTTP connections', async () => {
    const node = await startSignalNode({ port: 0 });
    expect((await fetch(`${node.url}/health`)).status).toBe(200); // leaves a keep-alive socket
    await node.close();
    expect(await canBind(node.port)).toBe(true);
  });
});
