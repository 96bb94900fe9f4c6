/**
 * The PeerServer clients connected to this node right now, fed by PeerServer's 'connection' and
 * 'disconnect' events. It answers one question for the swarm-join route: does the caller own this
 * peer id, i.e. is that id connected here now with exactly this token?
 */
import { timingSafeEqual } from 'node:crypto';

/** The part of PeerServer's IClient this module needs (so tests can pass plain objects). */
export interface PeerClient {
  getId(): string;
  getToken(): string;
  getSocket(): unknown;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class PeerClients {
  readonly #byId = new Map<string, PeerClient>();

  /** A client (re)connected; the newest client object for an id wins. */
  connected(client: PeerClient): void {
    this.#byId.set(client.getId(), client);
  }

  /**
   * A client went away. Returns true when it was the current holder of its id (so its swarm
   * membership must end); false for a stale object replaced by a newer connection.
   */
  disconnected(client: PeerClient): boolean {
    const id = client.getId();
    if (this.#byId.get(id) !== client) return false;
    this.#byId.delete(id);
    return true;
  }

  /** Whether `peerId` is connected now, with a live socket, and was opened with `token`. */
  owns(peerId: string, token: string): boolean {
    const client = this.#byId.get(peerId);
    if (!client || client.getSocket() === null || client.getSocket() === undefined) return false;
    return sameToken(client.getToken(), token);
  }

  get size(): number {
    return this.#byId.size;
  }
}
