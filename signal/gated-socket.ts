/**
 * The WebSocket class of the node's ws server (ws's `WebSocket` server option): a ws WebSocket
 * whose events pass its gate (peer-gate.ts) before anyone else hears them.
 *
 * Memory: the node holds one of these per peer, so everything the gate needs about a socket is a
 * few plain fields on it, and the gate's handlers are shared methods, not closures per socket.
 * Closures per socket used to keep the HTTP upgrade request alive (its headers, raw headers and
 * URL: ~1.4 KB a peer) and added listener arrays and contexts of their own (bench:signal measured
 * DeployNet at twice stock PeerServer's heap per peer).
 *
 * Per-message cost: one property check and a switch on the event name before ws's own emit.
 */
import WebSocket from 'ws';

/** What the gate does for its sockets; one object for all of them. */
export interface SocketGate {
  /** A message or ping arrived: whether it may go on (false: it is dropped). */
  pass(ws: GatedWebSocket): boolean;
  /**
   * After `pass`, with --redis only: whether PeerServer handles this message now. False:
   * something else took it (cross-node-relay.ts) and calls `ws.handOn(args)` if PeerServer
   * should have it after all.
   */
  readonly route: ((ws: GatedWebSocket, args: unknown[]) => boolean) | undefined;
  /** The socket closed (after ws's own bookkeeping is done or not: order does not matter). */
  closed(ws: GatedWebSocket): void;
  /** A socket error (ws emits one before it closes the socket on a protocol error). */
  socketError(ws: GatedWebSocket, error: unknown): void;
}

export class GatedWebSocket extends WebSocket {
  /** Set by the gate as soon as it sees the socket; unset: a plain ws WebSocket. */
  gate: SocketGate | undefined;
  /** client-address.ts's key of the peer's address. */
  address = '';
  /** The admitted peer id ('' before admission; read by the cross-node route). */
  peerId = '';
  /** admitPeer counted a connection for `address`: closing must give it back. */
  counted = false;
  /** Messages and pings go on (admitted and handed to PeerServer, not refused since). */
  passing = false;
  /** A frame (message or pong) arrived since the ping round last looked at the socket. */
  heard = false;
  /** Pinged by the last round, with nothing heard since. */
  pinged = false;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const gate = this.gate;
    if (gate !== undefined) {
      switch (event) {
        case 'message':
          this.heard = true;
          if (!gate.pass(this)) return false;
          if (gate.route !== undefined && !gate.route(this, args)) return false;
          break;
        case 'ping':
          // ws answers a ping before emitting it, so a ping flood cannot be stopped frame by
          // frame, but it pays the same bucket and gets the socket refused like a message flood.
          if (!gate.pass(this)) return false;
          break;
        case 'pong':
          this.heard = true;
          break;
        case 'close':
          gate.closed(this);
          break;
        case 'error':
          gate.socketError(this, args[0]);
          // An 'error' nobody listens to would throw; before PeerServer has the socket, the gate is the listener.
          if (this.listenerCount('error') === 0) return true;
          break;
        default:
          break;
      }
    }
    return super.emit(event, ...args);
  }

  /** Hands a message the cross-node route took back to PeerServer (the gate has passed it already). */
  handOn(args: unknown[]): void {
    super.emit('message', ...args);
  }
}

/** A ws message as text, the way PeerServer reads it. */
export function messageText(data: unknown): string {
  if (Buffer.isBuffer(data)) return data.toString();
  if (Array.isArray(data)) return Buffer.concat(data.filter((d) => Buffer.isBuffer(d))).toString();
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString();
  return String(data);
}

/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 keeps a substring
 * longer than a few characters as a slice of its parent, so an id read from the upgrade URL would
 * keep the whole URL alive for as long as the peer stays.
 */
export function ownString(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
