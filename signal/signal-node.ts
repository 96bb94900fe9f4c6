/**
 * A DeployNet signaling node: one express app on one node:http server, serving
 *   /peerjs              PeerServer (ids, WebRTC signaling relay; WebSocket on /peerjs/peerjs)
 *   POST /swarm/v1/join  swarm membership per site and manifest version (swarm-join-route.ts)
 *   GET /health          liveness + counts, JSON
 *   GET /metrics         Prometheus text
 */
import { createServer } from 'node:http';
import express from 'express';
import { DeployNetError } from '../core/errors.js';
import { errorHandler } from './error-response.js';
import { METRICS_CONTENT_TYPE, SignalMetrics } from './metrics.js';
import { PeerClients } from './peer-clients.js';
import { mountPeerServer } from './peer-server.js';
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
  /** Closes every WebSocket and the HTTP server; resolves when the port is free. Idempotent. */
  close(): Promise<void>;
  stats(): SignalStats;
}

/** How long WebSockets get to finish their close handshake before they are cut. */
const CLOSE_GRACE_MS = 1000;

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
  const stats = (): SignalStats => ({ peers: clients.size, swarms: registry.counts().swarms });

  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const wss = mountPeerServer(app, server, { clients, registry, log });
  app.use(swarmJoinRouter({ config, registry, clients, metrics }));
  app.get('/health', (_req, res) => {
    const uptimeSeconds = Math.floor((Date.now() - startedAt) / 1000);
    res.set('Cache-Control', 'no-store').json({ ok: true, ...stats(), uptimeSeconds });
  });
  app.get('/metrics', (_req, res) => {
    // setHeader + a Buffer, so express appends no charset: exactly the Prometheus 0.0.4 type.
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.set('Cache-Control', 'no-store').send(Buffer.from(metrics.render(stats())));
  });
  app.use(errorHandler(metrics, log));

  const port = await listen(server, config.port, config.host);
  const url = baseUrl(config.host, port);
  log({ level: 'info', event: 'listening', url });

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    wss.close(); // stop taking upgrades; open sockets are closed below
    for (const socket of wss.clients) socket.close(1001, 'signal node closing');
    const cut = setTimeout(() => {
      for (const socket of wss.clients) socket.terminate();
      server.closeAllConnections();
    }, CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(cut);
    log({ level: 'info', event: 'closed', url });
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
