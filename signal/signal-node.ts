/**
 * A DeployNet signaling node: one express app on one node:http server, serving
 *   /peerjs              PeerServer (ids, WebRTC signaling relay; WebSocket on /peerjs/peerjs)
 *   POST /swarm/v1/join  swarm membership per site and manifest version (swarm-join-route.ts)
 *   GET /health          liveness + counts, JSON (503 while shutting down)
 *   GET /metrics         Prometheus text (metrics.ts)
 * with per-address limits, allowed origins and site tokens in front (http-guard.ts, peer-gate.ts).
 * With `redis`, several nodes share presence, swarms and relaying (signal-cluster.ts); the
 * per-address limits stay per node.
 *
 * close() is the graceful shutdown (SIGTERM in the CLI): stop accepting connections, tell every
 * client to reconnect (PeerJS ERROR SIGNAL_SHUTTING_DOWN, close 1012), wait for them to go for
 * at most drainTimeoutMs, then cut whatever is left.
 */
import { createServer } from 'node:http';
import express from 'express';
import { DeployNetError } from '../core/errors.js';
import { MemoryAddressLimits } from './address-limits.js';
import { errorHandler } from './error-response.js';
import { METRICS_CONTENT_TYPE, SignalMetrics } from './metrics.js';
import { PeerClients } from './peer-clients.js';
import { PeerGate } from './peer-gate.js';
import { mountPeerServer } from './peer-server.js';
import { type SignalCluster, startSignalCluster } from './signal-cluster.js';
import { type SignalOptions, resolveSignalConfig } from './signal-config.js';
import { swarmJoinRouter } from './swarm-join-route.js';
import { SwarmRegistry } from './swarm-registry.js';

export interface SignalStats {
  /** Clients connected to this node's PeerServer. */
  readonly peers: number;
  /** Non-empty swarms. */
  readonly swarms: number;
}

export interface SignalNode {
  /** Base URL with the real bound port and no trailing slash, e.g. `http://127.0.0.1:9000`. */
  readonly url: string;
  readonly port: number;
  /** Graceful shutdown (see above); resolves when the port is free. Idempotent. */
  close(): Promise<void>;
  stats(): SignalStats;
}

/** How often addresses with nothing left to remember are forgotten. */
const SWEEP_INTERVAL_MS = 60_000;

function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startSignalNode(options: SignalOptions = {}): Promise<SignalNode> {
  const config = resolveSignalConfig(options);
  const { log } = config;
  const startedAt = Date.now();
  const registry = new SwarmRegistry();
  const clients = new PeerClients();
  const metrics = new SignalMetrics();
  const limits = new MemoryAddressLimits(config);
  const cluster: SignalCluster | undefined = config.redis === undefined ? undefined : await startSignalCluster(config.redis, { config, clients, registry, metrics });
  let draining = false;
  const isDraining = (): boolean => draining;
  const stats = (): SignalStats => ({ peers: clients.size, swarms: registry.counts().swarms });

  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const guardDeps = { config, limits, metrics, draining: isDraining };
  const gate = new PeerGate(server, { ...guardDeps, clients, cluster });
  mountPeerServer(app, server, { ...guardDeps, clients, registry, gate, cluster });
  app.use(swarmJoinRouter({ ...guardDeps, registry, clients, cluster }));
  app.get('/health', (_req, res) => {
    const uptimeSeconds = Math.floor((Date.now() - startedAt) / 1000);
    const redis = cluster === undefined ? {} : { redis: cluster.up ? 'up' : 'down' };
    res.status(draining ? 503 : 200).set('Cache-Control', 'no-store').json({ ok: !draining, draining, ...stats(), ...redis, uptimeSeconds });
  });
  app.get('/metrics', (_req, res) => {
    // setHeader + a Buffer, so express appends no charset: exactly the Prometheus 0.0.4 type.
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.set('Cache-Control', 'no-store').send(Buffer.from(metrics.render({ ...stats(), addresses: limits.size, draining, ...(cluster && { redisUp: cluster.up }) })));
  });
  app.use(errorHandler(metrics, log));

  let port: number;
  try {
    port = await listen(server, config.port, config.host);
  } catch (err) {
    await cluster?.close();
    throw err;
  }
  const url = baseUrl(config.host, port);
  const sweep = setInterval(() => limits.sweep(), SWEEP_INTERVAL_MS);
  sweep.unref();
  log({ level: 'info', msg: 'listening', url, allowedOrigins: config.allowedOrigins, siteTokenCount: config.siteTokens.length, trustProxy: config.trustProxy, ...(cluster && { nodeId: cluster.nodeId }) });

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    draining = true;
    clearInterval(sweep);
    log({ level: 'info', msg: 'draining', url, peers: clients.size, drainTimeoutMs: config.drainTimeoutMs });
    const closed = new Promise<void>((resolve) => server.close(() => resolve())); // stop accepting
    gate.closeAll();
    const deadline = setTimeout(() => {
      log({ level: 'warn', msg: 'drain-deadline', url, cut: gate.openSockets });
      gate.terminateAll();
      server.closeAllConnections();
    }, config.drainTimeoutMs);
    await closed;
    clearTimeout(deadline);
    gate.terminateAll(); // nothing is left; this only stops the WebSocket server
    await cluster?.close(); // after the departures' releases, which it still sends
    log({ level: 'info', msg: 'closed', url });
  };

  return {
    url,
    port,
    close: () => (closing ??= shutdown()),
    stats,
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(new DeployNetError('BAD_CONFIG', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { host, port, errno: err.code }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new DeployNetError('INTERNAL', 'server has no TCP address'));
        return;
      }
      resolve(address.port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
