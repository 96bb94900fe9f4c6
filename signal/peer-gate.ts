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
 * Each later message (and ping) first takes a token from its address's bucket (GatedWebSocket);
 * with none left the socket is refused with SIGNAL_RATE_LIMITED and the message never reaches
 * PeerServer.
 * A message over maxMessageBytes is never buffered: ws closes the socket with 1009.
 *
 * Dead sockets: every pingIntervalMs the gate pings each admitted socket (a WebSocket ping, which
 * browsers answer from their network stack, whatever the page's timers are doing), and cuts one
 * that has not answered the previous ping. PeerServer sees the close at once, so a peer whose
 * network went away without a close leaves its swarm within two intervals, not after PeerServer's
 * own 90 s heartbeat timeout (which stays, behind this).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { type Server as WsServer, type ServerOptions, WebSocketServer } from 'ws';
import { DeployNetError, isDeployNetError } from '../core/errors.js';
import { PEERJS_KEY } from '../core/swarm.js';
import type { AddressLimits } from './address-limits.js';
import { addressKey, clientAddress } from './client-address.js';
import type { SignalMetrics } from './metrics.js';
import { type PeerQuery, admitPeer } from './peer-admission.js';
import type { PeerClients } from './peer-clients.js';
import { rejectionOf } from './rejections.js';
import type { SignalCluster } from './signal-cluster.js';
import type { SignalConfig } from './signal-config.js';

/** ws's server class, typed with the socket class it makes (the named WebSocketServer type is not generic). */
type GatedServer = WsServer<typeof GatedWebSocket>;

/**
 * A ws WebSocket whose 'message' and 'ping' events pass `gate` first (ws's `WebSocket` server
 * option). ws answers a ping before emitting it, so a ping flood cannot be stopped frame by frame,
 * but it pays the same bucket and gets the socket refused like a message flood.
 */
class GatedWebSocket extends WebSocket {
  /** Whether PeerServer may see the next message; unset: nothing passes. */
  gate: (() => boolean) | undefined;
  /**
   * After the gate: whether PeerServer handles a message now. False: something else took it
   * (cross-node-relay.ts), and calls `handBack` if PeerServer should have it after all.
   */
  route: ((data: unknown, handBack: () => void) => boolean) | undefined;
  /** Pinged, and no pong since. */
  awaitingPong = false;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if ((event === 'message' || event === 'ping') && this.gate?.() !== true) return false;
    if (event === 'message' && this.route !== undefined && !this.route(args[0], () => super.emit(event, ...args))) return false;
    return super.emit(event, ...args);
  }
}

/** A ws message as text, the way PeerServer reads it. */
function messageText(data: unknown): string {
  if (Buffer.isBuffer(data)) return data.toString();
  if (Array.isArray(data)) return Buffer.concat(data.filter((d) => Buffer.isBuffer(d))).toString();
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString();
  return String(data);
}

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

export class PeerGate {
  #wss: GatedServer | undefined;
  /** Admitted sockets (handed to PeerServer, or about to be) not closed yet. */
  readonly #open = new Set<GatedWebSocket>();
  #pinger: ReturnType<typeof setInterval> | undefined;
  #pingQueue: GatedWebSocket[] = [];
  #perTick = 1;
  #roundStarted = 0;

  constructor(
    private readonly server: Server,
    private readonly deps: PeerGateDeps,
  ) {}

  /** PeerServer's `createWebSocketServer` option. */
  readonly createWebSocketServer = (options: ServerOptions): GatedServer => {
    const wss = new WebSocketServer({ noServer: true, path: options.path, maxPayload: this.deps.config.maxMessageBytes, WebSocket: GatedWebSocket });
    this.#wss = wss;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(req, socket, head, (ws) => this.#admit(wss, ws, req));
    });
    // Pings go out a slice at a time over the interval: pinging 10,000 sockets in one loop stalls
    // the event loop for a few hundred ms (bench:signal measured it), and every relay with it.
    const interval = this.deps.config.pingIntervalMs;
    const tick = Math.max(10, Math.min(100, Math.floor(interval / 10)));
    this.#pinger = setInterval(() => this.#pingSlice(interval, tick), tick);
    this.#pinger.unref();
    return wss;
  };

  get openSockets(): number {
    return this.#open.size;
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

  #admit(wss: GatedServer, ws: GatedWebSocket, req: IncomingMessage): void {
    const { config, limits, clients, draining } = this.deps;
    const address = addressKey(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.trustProxy));
    // Before anything else: an 'error' without a listener would take the process down.
    ws.on('error', (error) => this.#socketError(error, address));
    let query: PeerQuery;
    try {
      query = admitPeer({ url: req.url, origin: req.headers.origin, address }, { config, limits, clients, draining, openSockets: () => this.#open.size });
    } catch (err) {
      this.#refuse(ws, isDeployNetError(err) ? err : new DeployNetError('INTERNAL', 'internal error'), address);
      return;
    }
    this.#open.add(ws);
    ws.on('pong', () => (ws.awaitingPong = false));
    ws.once('close', () => {
      this.#open.delete(ws);
      limits.disconnected(address);
    });
    const handOver = (): void => {
      this.deps.metrics.countConnection();
      ws.gate = () => {
        if (limits.take(address)) return true;
        ws.gate = () => false;
        this.#refuse(ws, new DeployNetError('SIGNAL_RATE_LIMITED', 'too many messages from your address; slow down'), address);
        return false;
      };
      // PeerServer reads only req.url (id, token, key): hand it exactly what admitPeer checked.
      req.url = `${wss.options.path ?? ''}?${new URLSearchParams({ key: PEERJS_KEY, id: query.id, token: query.token }).toString()}`;
      wss.emit('connection', ws, req);
    };
    const { cluster } = this.deps;
    if (cluster === undefined) {
      handOver();
      return;
    }
    ws.route = (data, handBack) => cluster.route(query.id, messageText(data), handBack);
    void cluster.claim(query.id, query.token).then((claimed) => {
      if (ws.readyState !== WebSocket.OPEN) {
        if (claimed && !clients.isLocal(query.id)) cluster.released(query.id);
      } else if (!claimed) {
        this.#refuse(ws, new DeployNetError('SIGNAL_ID_TAKEN', 'ID is taken'), address);
      } else if (draining()) {
        this.#refuse(ws, new DeployNetError('SIGNAL_SHUTTING_DOWN', 'the signal node is shutting down; reconnect in a moment'), address);
      } else {
        handOver();
      }
    });
  }

  /**
   * One tick of the ping round: a round takes every open socket once, spread evenly over
   * `interval`, and the next round starts when it is done and `interval` has passed.
   */
  #pingSlice(interval: number, tick: number): void {
    const now = Date.now();
    if (this.#pingQueue.length === 0) {
      if (now - this.#roundStarted < interval) return;
      this.#roundStarted = now;
      this.#pingQueue = [...this.#open];
      this.#perTick = Math.max(1, Math.ceil((this.#pingQueue.length * tick) / interval));
    }
    this.#ping(this.#pingQueue.splice(0, this.#perTick));
  }

  /** Cuts sockets that did not answer their last ping, and pings the others. */
  #ping(sockets: Iterable<GatedWebSocket>): void {
    for (const ws of sockets) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.awaitingPong) {
        this.deps.config.log({ level: 'debug', msg: 'peer-unresponsive', pingIntervalMs: this.deps.config.pingIntervalMs });
        ws.terminate(); // 'close' at once: PeerServer drops the client, the node ends its membership
        continue;
      }
      ws.awaitingPong = true;
      ws.ping();
    }
  }

  #refuse(ws: WebSocket, err: DeployNetError, address: string): void {
    this.deps.metrics.countRejection(err.code);
    const level = err.code === 'INTERNAL' ? 'error' : QUIET.has(err.code) ? 'debug' : 'info';
    this.deps.config.log({ level, msg: 'peer-refused', code: err.code, reason: err.message, address });
    tell(ws, err);
  }

  #socketError(error: Error, address: string): void {
    const code = 'code' in error ? error.code : undefined;
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // ws has closed the socket with 1009 before reading the message.
      this.deps.metrics.countRejection('SIGNAL_MESSAGE_TOO_LARGE');
      this.deps.config.log({ level: 'info', msg: 'peer-refused', code: 'SIGNAL_MESSAGE_TOO_LARGE', address });
      return;
    }
    this.deps.config.log({ level: 'debug', msg: 'peer-socket-error', error: error.message, wsCode: code, address });
  }
}

/** One PeerJS message saying why (`CODE: sentence`), then a close with the code's close code. */
function tell(ws: WebSocket, err: DeployNetError): void {
  const type = err.code === 'SIGNAL_ID_TAKEN' ? 'ID-TAKEN' : 'ERROR';
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type, payload: { msg: `${err.code}: ${err.message}` } }));
  ws.close(rejectionOf(err.code).close, err.code);
}
