/**
 * Mounts PeerServer (npm `peer`) on the node's express app at PEERJS_MOUNT, so stock PeerJS
 * clients use `{ host, port, path: '/peerjs', key }` and their WebSocket lands on `/peerjs/peerjs`.
 * PeerServer does the signaling relay (OFFER/ANSWER/CANDIDATE between ids); this module feeds its
 * client events into PeerClients, the SwarmRegistry and the metrics, and puts the limits PeerServer
 * lacks in front of it (security invariant 8): http-guard.ts on its HTTP routes, peer-gate.ts on
 * its WebSocket. PeerServer's own `concurrent_limit` stays as a backstop behind the gate's
 * SIGNAL_NODE_FULL.
 *
 * With --redis, a departure also ends the peer's presence and swarm entry across nodes
 * (signal-cluster.ts); messages for peers on other nodes never reach PeerServer (peer-gate.ts).
 *
 * Discovery stays off: PeerServer's `GET /peerjs/:key/peers` answers 401, there is no global list.
 */
import type { Server } from 'node:http';
import cors from 'cors';
import type { Express } from 'express';
import { ExpressPeerServer, type IClient } from 'peer';
import { PEERJS_KEY, PEERJS_MOUNT } from '../core/swarm.js';
import { isRecord } from '../core/validate.js';
import { type HttpGuardDeps, loadGuard, originGuard } from './http-guard.js';
import { type SignalMetrics, isRelayedType } from './metrics.js';
import type { PeerClients } from './peer-clients.js';
import type { PeerGate } from './peer-gate.js';
import type { SignalCluster } from './signal-cluster.js';
import type { SwarmRegistry } from './swarm-registry.js';

export interface PeerServerDeps extends HttpGuardDeps {
  readonly clients: PeerClients;
  readonly registry: SwarmRegistry;
  readonly metrics: SignalMetrics;
  readonly gate: PeerGate;
  readonly cluster?: SignalCluster | undefined;
}

/** Mounts PeerServer on `app` (served by `server`), behind the guards. */
export function mountPeerServer(app: Express, server: Server, deps: PeerServerDeps): void {
  const { config, clients, registry, metrics, gate, cluster } = deps;
  const { log } = config;
  const peerApp = ExpressPeerServer(server, {
    path: '/',
    key: PEERJS_KEY,
    allow_discovery: false,
    proxied: false,
    concurrent_limit: config.maxPeers,
    corsOptions: { origin: true }, // originGuard has refused every other origin already
    createWebSocketServer: gate.createWebSocketServer,
  });

  const gone = (client: IClient, reason: string): void => {
    if (!clients.disconnected(client)) return;
    cluster?.released(client.getId());
    registry.leave(client.getId());
    log({ level: 'debug', msg: 'peer-gone', peerId: client.getId(), reason });
  };

  peerApp.on('connection', (client) => {
    clients.connected(client);
    log({ level: 'debug', msg: 'peer-open', peerId: client.getId() });
  });
  peerApp.on('disconnect', (client) => gone(client, 'disconnect'));
  peerApp.on('message', (client, message: unknown) => {
    if (!isRecord(message)) return;
    // PeerServer drops a client from its realm on a LEAVE without `dst` (socket still open): mirror it.
    if (message.type === 'LEAVE' && !message.dst) gone(client, 'leave');
    if (isRelayedType(message.type) && typeof message.dst === 'string' && message.dst !== '') metrics.countRelay(message.type);
  });
  // PeerServer re-emits socket errors and unparsable messages here; without a listener an
  // EventEmitter 'error' would throw and take the process down. ws protocol errors (WS_ERR_*,
  // e.g. an oversized message) are the gate's to report.
  peerApp.on('error', (error) => {
    const wsError = isRecord(error) && typeof error.code === 'string' && error.code.startsWith('WS_ERR_');
    log({ level: wsError ? 'debug' : 'warn', msg: 'peer-socket-error', error: error instanceof Error ? error.message : String(error) });
  });

  // The 'mount' event makes PeerServer create its realm and WebSocket server (through the gate).
  app.use(PEERJS_MOUNT, originGuard(deps), cors({ origin: true }), loadGuard(deps), peerApp);
}
