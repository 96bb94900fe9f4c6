/**
 * The PeerServer clients connected to this node right now, fed by PeerServer's 'connection' and
 * 'disconnect' events. It answers two questions: does the caller own this peer id, i.e. is that
 * id connected here now with exactly this token (the swarm-join route)? And is an id held by a
 * live connection with another token (an id hijack, refused before PeerServer sees the socket)?
 * With several nodes (--redis) it also hands messages from other nodes to local peers and lists
 * this node's peers for the presence refresh (never for an answer to a peer).
 */
import { secretEqual } from './secret-equal.js';

/** The part of PeerServer's IClient this module needs (so tests can pass plain objects). */
export interface PeerClient {
  getId(): string;
  getToken(): string;
  getSocket(): unknown;
  /** Sends `data` as JSON on the client's socket (PeerServer's IClient.send). */
  send(data: unknown): void;
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
    const client = this.#live(peerId);
    return client !== undefined && secretEqual(client.getToken(), token);
  }

  /**
   * Whether a live connection holds `peerId` with a token other than `token`. The same token is
   * PeerJS reconnecting (PeerServer moves the id to the new socket), not a hijack.
   */
  takenByOther(peerId: string, token: string): boolean {
    const client = this.#live(peerId);
    return client !== undefined && !secretEqual(client.getToken(), token);
  }

  /** Whether `peerId` is connected here now, with a live socket. */
  isLocal(peerId: string): boolean {
    return this.#live(peerId) !== undefined;
  }

  /**
   * The id string PeerServer holds for `peerId` while it is connected here: what the node keeps
   * about a peer elsewhere (its swarm entry) points at this one string instead of a copy.
   */
  heldId(peerId: string): string | undefined {
    return this.#live(peerId)?.getId();
  }

  /** Sends `message` to `peerId` if it is connected here; false when it is not. */
  deliver(peerId: string, message: unknown): boolean {
    const client = this.#live(peerId);
    if (client === undefined) return false;
    client.send(message);
    return true;
  }

  /** Ids of every connected client (the presence refresh's round, with --redis). */
  ids(): string[] {
    return [...this.#byId.keys()];
  }

  /** The token `peerId` connected with, while it is connected here with a live socket. */
  tokenOf(peerId: string): string | undefined {
    return this.#live(peerId)?.getToken();
  }

  #live(peerId: string): PeerClient | undefined {
    const client = this.#byId.get(peerId);
    return client && client.getSocket() !== null && client.getSocket() !== undefined ? client : undefined;
  }

  get size(): number {
    return this.#byId.size;
  }
}
