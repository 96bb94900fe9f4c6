/**
 * Mounts PeerServer (npm `peer`) on the node's express app at PEERJS_MOUNT, so stock PeerJS
 * clients use `{ host, port, path: '/peerjs', key: 'deploynet' }` and their WebSocket lands on
 * `/peerjs/peerjs`. PeerServer does the signaling relay (OFFER/ANSWER/CANDIDATE between ids);
 * this module only feeds its client events into PeerClients and the SwarmRegistry and adds the
 * limits PeerServer lacks (security invariant 8): a cap on every WebSocket message.
 *
 * Discovery stays off: PeerServer's `GET /peerjs/:key/peers` answers 401, there is no global list.
 */
import type { Server } from 'node:http';
import type { Express } from 'express';
import { ExpressPeerServer, type IClient } from 'peer';
import { WebSocketServer } from 'ws';
import { PEERJS_KEY, PEERJS_MOUNT } from '../core/swarm.js';
import { isRecord } from '../core/validate.js';
import type { PeerClients } from './peer-clients.js';
import type { SignalLog } from './signal-config.js';
import type { SwarmRegistry } from './swarm-registry.js';

/** Largest WebSocket message a client may send (an SDP offer is a few KiB); larger closes it (1009). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

export interface PeerServerDeps {
  readonly clients: PeerClients;
  readonly registry: SwarmRegistry;
  readonly log: SignalLog;
}

/** Mounts PeerServer on `app` (served by `server`) and returns its WebSocket server. */
export function mountPeerServer(app: Express, server: Server, deps: PeerServerDeps): WebSocketServer {
  const { clients, registry, log } = deps;
  let wss: WebSocketServer | undefined;
  const peerApp = ExpressPeerServer(server, {
    path: '/',
    key: PEERJS_KEY,
    allow_discovery: false,
    proxied: false,
    corsOptions: { origin: true },
    createWebSocketServer: (options) => {
      wss = new WebSocketServer({ ...options, maxPayload: MAX_WS_MESSAGE_BYTES });
      return wss;
    },
  });

  const gone = (client: IClient, reason: string): void => {
    if (!clients.disconnected(client)) return;
    registry.leave(client.getId());
    log({ level: 'debug', event: 'peer-gone', peerId: client.getId(), reason });
  };

  peerApp.on('connection', (client) => {
    clients.connected(client);
    log({ level: 'debug', event: 'peer-open', peerId: client.getId() });
  });
  peerApp.on('disconnect', (client) => gone(client, 'disconnect'));
  // PeerServer drops a client from its realm on a LEAVE without `dst` (socket still open): mirror it.
  peerApp.on('message', (client, message: unknown) => {
    if (isRecord(message) && message.type === 'LEAVE' && !message.dst) gone(client, 'leave');
  });
  // PeerServer re-emits socket errors and unparsable messages here; without a listener an
  // EventEmitter 'error' would throw and take the process down.
  peerApp.on('error', (error) => {
    log({ level: 'warn', event: 'peer-socket-error', error: error instanceof Error ? error.message : String(error) });
  });

  app.use(PEERJS_MOUNT, peerApp); // the 'mount' event creates the realm and the WebSocket server
  if (!wss) throw new Error('PeerServer did not create its WebSocket server on mount');
  return wss;
}
