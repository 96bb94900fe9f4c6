/**
 * The WebSocket side of PeerServer, with the limits PeerServer lacks (security invariant 8).
 * PeerServer makes its WebSocketServer through its `createWebSocketServer` option; this module
 * gives it one that does not listen by itself (`noServer`) and hands it only admitted sockets:
 *
 *   server 'upgrade' → ws handleUpgrade: path /peerjs/peerjs (else HTTP 400), handshake
 *   → admitPeer (peer-admission.ts); refused: one PeerJS ERROR (or ID-TAKEN) and a close
 *     (rejections.ts); PeerServer never sees the socket
 *   → admitted: PeerServer's 'connection', with a canonical URL carrying exactly the id and token
 *     that were checked and PeerServer's single key, so PeerServer acts on what was checked
 *
 * With several nodes (--redis), admission also claims the id across nodes first (a live peer on
 * another node with another token: SIGNAL_ID_TAKEN), and every message that passed the bucket
 * goes through the cluster's route (cross-node-relay.ts), which takes those for peers on other
 * nodes.
 *
 * Each later message (and ping) first takes a token from its address's bucket (gated-socket.ts);
 * with none left the socket is refused with SIGNAL_RATE_LIMITED and the message never reaches
 * PeerServer.
 * A message over maxMessageBytes is never buffered: ws closes the socket with 1009.
 *
 * Dead sockets: every half pingIntervalMs a round looks at each admitted socket. One heard from
 * since the last round (any message, or a pong) is alive and needs no ping; one not heard from
 * is pinged (a WebSocket ping, which browsers answer from their network stack, whatever the
 * page's timers are doing), and one still silent a round after its ping is cut. PeerServer sees
 * the close at once, so a peer whose network went away without a close leaves its swarm within
 * three rounds of its last frame, one and a half intervals (two when every socket was pinged
 * every interval), not after PeerServer's own 90 s heartbeat timeout (which stays, behind this).
 * A PeerJS client sends a HEARTBEAT every 5 s, so with the default 10 s interval a live page is
 * seldom pinged at all: pinging every socket cost a ping and a pong per peer per interval
 * (bench:signal: 2,000 frames a second at 10,000 peers, twice the relay's own traffic).
 *
 * Memory: nothing here keeps the HTTP upgrade request once the socket is admitted (PeerServer
 * gets a stand-in with only the URL it reads); per socket the gate keeps the fields of
 * gated-socket.ts and nothing else.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { type Server as WsServer, type ServerOptions, WebSocketServer } from 'ws';
import { DeployNetError, isDeployNetError } from '../core/errors.js';
import { PEERJS_KEY } from '../core/swarm.js';
import type { AddressLimits } from './address-limits.js';
import { addressKey, clientAddress } from './client-address.js';
import { GatedWebSocket, type SocketGate, messageText, ownString } from './gated-socket.js';
import type { SignalMetrics } from './metrics.js';
import { type PeerQuery, admitPeer } from './peer-admission.js';
import type { PeerClients } from './peer-clients.js';
import { rejectionOf } from './rejections.js';
import type { SignalCluster } from './signal-cluster.js';
import type { SignalConfig } from './signal-config.js';

/** ws's server class, typed with the socket class it makes (the named WebSocketServer type is not generic). */
type GatedServer = WsServer<typeof GatedWebSocket>;

export interface PeerGateDeps {
  readonly config: SignalConfig;
  readonly limits: AddressLimits;
  readonly clients: PeerClients;
  readonly metrics: SignalMetrics;
  readonly draining: () => boolean;
  /** With --redis: the nodes' shared state. */
  readonly cluster?: SignalCluster | undefined;
}

/** Refusals that come in floods: logged at debug (the metrics count them all). */
const QUIET = new Set(['SIGNAL_RATE_LIMITED', 'SIGNAL_TOO_MANY_CONNECTIONS']);

/**
 * How often the ping round takes its next slice of sockets. Short, so that each slice is small:
 * pinging 10,000 sockets in one loop stalled the event loop for a few hundred ms (bench:signal
 * measured it), and a slice of 100 pings every 100 ms is 1-2 ms of writes in one go.
 */
const PING_TICK_MS = 20;

export class PeerGate implements SocketGate {
  #wss: GatedServer | undefined;
  /** Admitted sockets (handed to PeerServer, or about to be) not closed yet. */
  #open = 0;
  #pinger: ReturnType<typeof setInterval> | undefined;
  #pingQueue: GatedWebSocket[] = [];
  #pingNext = 0;
  #perTick = 1;
  #roundStarted = 0;
  readonly route: SocketGate['route'];

  constructor(
    private readonly server: Server,
    private readonly deps: PeerGateDeps,
  ) {
    const { cluster } = deps;
    this.route = cluster === undefined ? undefined : (ws, args) => cluster.route(ws.peerId, messageText(args[0]), () => ws.handOn(args));
  }

  /** PeerServer's `createWebSocketServer` option. */
  readonly createWebSocketServer = (options: ServerOptions): GatedServer => {
    const wss = new WebSocketServer({ noServer: true, path: options.path, maxPayload: this.deps.config.maxMessageBytes, WebSocket: GatedWebSocket });
    this.#wss = wss;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(req, socket, head, (ws) => this.#admit(wss, ws, req));
    });
    const round = this.deps.config.pingIntervalMs / 2;
    this.#pinger = setInterval(() => this.#pingSlice(round), PING_TICK_MS);
    this.#pinger.unref();
    return wss;
  };

  get openSockets(): number {
    return this.#open;
  }

  /** Tells every connected client to reconnect later (ERROR SIGNAL_SHUTTING_DOWN, close 1012). */
  closeAll(): void {
    const shuttingDown = new DeployNetError('SIGNAL_SHUTTING_DOWN', 'the signal node is shutting down; reconnect in a moment');
    for (const ws of this.#wss?.clients ?? []) tell(ws, shuttingDown);
  }

  /** Cuts every socket still open (after the drain deadline) and stops the WebSocket server. */
  terminateAll(): void {
    clearInterval(this.#pinger);
    for (const ws of this.#wss?.clients ?? []) ws.terminate();
    this.#wss?.close();
  }

  /** SocketGate: a message or ping takes a token from its address's bucket. */
  pass(ws: GatedWebSocket): boolean {
    if (!ws.passing) return false;
    if (this.deps.limits.take(ws.address)) return true;
    ws.passing = false;
    this.#refuse(ws, new DeployNetError('SIGNAL_RATE_LIMITED', 'too many messages from your address; slow down'), ws.address);
    return false;
  }

  /** SocketGate: gives back the connection admitPeer counted. */
  closed(ws: GatedWebSocket): void {
    ws.passing = false;
    if (!ws.counted) return;
    ws.counted = false;
    this.#open -= 1;
    this.deps.limits.disconnected(ws.address);
  }

  /** SocketGate: reports a socket error; a message too large is a refusal (ws has closed with 1009). */
  socketError(ws: GatedWebSocket, error: unknown): void {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.deps.metrics.countRejection('SIGNAL_MESSAGE_TOO_LARGE');
      this.deps.config.log({ level: 'info', msg: 'peer-refused', code: 'SIGNAL_MESSAGE_TOO_LARGE', address: ws.address });
      return;
    }
    this.deps.config.log({ level: 'debug', msg: 'peer-socket-error', error: error instanceof Error ? error.message : String(error), wsCode: code, address: ws.address });
  }

  #admit(wss: GatedServer, ws: GatedWebSocket, req: IncomingMessage): void {
    const { config, limits, clients, draining, cluster } = this.deps;
    ws.address = addressKey(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.trustProxy));
    // Before anything else: from here on the socket's errors are reported, never thrown.
    ws.gate = this;
    let query: PeerQuery;
    try {
      query = admitPeer({ url: req.url, origin: req.headers.origin, address: ws.address }, { config, limits, clients, draining, openSockets: () => this.#open });
    } catch (err) {
      this.#refuse(ws, isDeployNetError(err) ? err : new DeployNetError('INTERNAL', 'internal error'), ws.address);
      return;
    }
    ws.counted = true;
    this.#open += 1;
    if (cluster === undefined) {
      this.#handOver(wss, ws, query);
      return;
    }
    const { id, token } = query;
    ws.peerId = ownString(id);
    void cluster.claim(id, token).then((claimed) => {
      if (ws.readyState !== WebSocket.OPEN) {
        if (claimed && !clients.isLocal(id)) cluster.released(id);
      } else if (!claimed) {
        this.#refuse(ws, new DeployNetError('SIGNAL_ID_TAKEN', 'ID is taken'), ws.address);
      } else if (draining()) {
        this.#refuse(ws, new DeployNetError('SIGNAL_SHUTTING_DOWN', 'the signal node is shutting down; reconnect in a moment'), ws.address);
      } else {
        this.#handOver(wss, ws, query);
      }
    });
  }

  /**
   * PeerServer's 'connection'. PeerServer reads only req.url (id, token, key) from the request:
   * it gets a stand-in with exactly what admitPeer checked, so the upgrade request itself, with
   * its headers, is not kept alive by PeerServer's client either.
   */
  #handOver(wss: GatedServer, ws: GatedWebSocket, query: PeerQuery): void {
    this.deps.metrics.countConnection();
    ws.passing = true;
    const url = `${wss.options.path ?? ''}?${new URLSearchParams({ key: PEERJS_KEY, id: query.id, token: query.token }).toString()}`;
    const request: Pick<IncomingMessage, 'url'> = { url };
    wss.emit('connection', ws, request);
  }

  /**
   * One tick of the ping rounds: a round takes every admitted socket once, spread evenly over
   * `round` ms, and the next round starts when it is done and `round` has passed.
   */
  #pingSlice(round: number): void {
    if (this.#pingNext >= this.#pingQueue.length) {
      const now = Date.now();
      if (now - this.#roundStarted < round) return;
      this.#roundStarted = now;
      this.#pingQueue = [...(this.#wss?.clients ?? [])];
      this.#pingNext = 0;
      this.#perTick = Math.max(1, Math.ceil((this.#pingQueue.length * PING_TICK_MS) / round));
    }
    const end = Math.min(this.#pingQueue.length, this.#pingNext + this.#perTick);
    for (; this.#pingNext < end; this.#pingNext += 1) this.#ping(this.#pingQueue[this.#pingNext]!);
    if (this.#pingNext >= this.#pingQueue.length) this.#pingQueue = [];
  }

  /** Leaves a socket heard from alone, cuts one that did not answer its last ping, pings the others. */
  #ping(ws: GatedWebSocket): void {
    if (!ws.counted || ws.readyState !== WebSocket.OPEN) return;
    if (ws.heard) {
      ws.heard = false;
      ws.pinged = false;
      return;
    }
    if (ws.pinged) {
      this.deps.config.log({ level: 'debug', msg: 'peer-unresponsive', pingIntervalMs: this.deps.config.pingIntervalMs });
      ws.terminate(); // 'close' at once: PeerServer drops the client, the node ends its membership
      return;
    }
    ws.pinged = true;
    ws.ping();
  }

  #refuse(ws: WebSocket, err: DeployNetError, address: string): void {
    this.deps.metrics.countRejection(err.code);
    const level = err.code === 'INTERNAL' ? 'error' : QUIET.has(err.code) ? 'debug' : 'info';
    this.deps.config.log({ level, msg: 'peer-refused', code: err.code, reason: err.message, address });
    tell(ws, err);
  }
}

/** One PeerJS message saying why (`CODE: sentence`), then a close with the code's close code. */
function tell(ws: WebSocket, err: DeployNetError): void {
  const type = err.code === 'SIGNAL_ID_TAKEN' ? 'ID-TAKEN' : 'ERROR';
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type, payload: { msg: `${err.code}: ${err.message}` } }));
  ws.close(rejectionOf(err.code).close, err.code);
}
