/** The SW's view of the page bridges: their states, and asking one of them for bytes. */
import {
  BRIDGE_PROTOCOL,
  failureDetail,
  parsePeerFetchReply,
  type BridgeState,
  type ByteParts,
  type ChunksHeld,
  type ErrorCode,
  type PeerFetchCancel,
  type PeerFetchReply,
  type PeerFetchRequest,
} from '../core/index.js';
import { chooseBridge } from './bridge-choice.js';

/** Why no (more) bytes come from peers: an error code, and for troubleshooting, what happened (ASCII). */
export interface PeerFailure {
  readonly failed: ErrorCode;
  readonly detail?: string;
}

/** Where a peer session's results go. */
export interface PeerHandlers {
  /** A chunk the bridge verified (the SW checks it again: it is the trust boundary). */
  chunk(index: number, parts: ByteParts, peerId: string): void;
  /** The session is over: null when every wanted chunk came, else why not. Called once. */
  end(failure: PeerFailure | null): void;
  /** The bridge says: take these chunks from the origin now (nobody holds them; this visitor owns them). */
  origin?(indices: readonly number[]): void;
}

export interface PeerSession {
  /** The SW no longer needs `chunks` (got them from the origin), or, without chunks, anything. */
  cancel(chunks?: readonly number[]): void;
}

export type PeerSessionRequest = Omit<PeerFetchRequest, 'type' | 'v' | 'deadlineMs'>;

export class BridgeRegistry {
  readonly #states = new Map<string, BridgeState>();
  readonly #waiters = new Set<() => void>();
  readonly #clients: Clients;
  readonly #helloWaitMs: number;
  /** A bridge that reports nothing for this long has stalled: the SW goes to the origin. */
  readonly #idleMs: number;

  constructor(clients: Clients, helloWaitMs: number, idleMs: number) {
    this.#clients = clients;
    this.#helloWaitMs = helloWaitMs;
    this.#idleMs = idleMs;
  }

  setState(clientId: string, state: BridgeState): void {
    this.#states.set(clientId, state);
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Asks a page bridge for chunks of one file. Results arrive through `handlers`; the session
   * ends by `deadline`, or once the bridge has been silent (no chunk, no progress) for idleMs.
   */
  open(request: PeerSessionRequest, requesterId: string | undefined, deadline: number, handlers: PeerHandlers): PeerSession {
    const asked = Date.now();
    const dropped = new Set<number>();
    let port: MessagePort | null = null;
    let ended = false;
    let received = 0;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let hardStop: ReturnType<typeof setTimeout> | undefined;
    const end = (failure: PeerFailure | null, tellBridge: boolean) => {
      if (ended) return;
      ended = true;
      clearTimeout(idle);
      clearTimeout(hardStop);
      if (port && tellBridge) post(port, { type: 'peer-fetch-cancel', v: BRIDGE_PROTOCOL });
      port?.close();
      handlers.end(failure);
    };
    const timedOut = (why: string) => () =>
      end({ failed: 'PEER_TIMEOUT', detail: failureDetail(`${why} (${received} of ${request.size} bytes, ${Date.now() - asked} ms after asking)`) }, true);
    const stillAlive = () => {
      clearTimeout(idle);
      idle = setTimeout(timedOut(`bridge reported nothing for ${this.#idleMs} ms`), this.#idleMs);
    };

    void this.#choose(requesterId, deadline, asked).then((client) => {
      if (ended) return;
      if ('failed' in client) return end(client, false);
      const want = request.want.filter((i) => !dropped.has(i));
      if (want.length === 0) return end(null, false);
      const channel = new MessageChannel();
      port = channel.port1;
      port.onmessage = (event) => {
        let reply: PeerFetchReply;
        try {
          reply = parsePeerFetchReply(event.data);
        } catch {
          return end({ failed: 'PEER_REJECTED', detail: 'the bridge answered with a malformed message' }, true);
        }
        switch (reply.type) {
          case 'peer-fetch-progress':
            received = reply.received;
            return stillAlive();
          case 'peer-chunk':
            stillAlive();
            return handlers.chunk(reply.index, reply.parts, reply.peerId);
          case 'peer-fetch-origin':
            stillAlive();
            return handlers.origin?.(reply.chunks);
          case 'peer-fetch-end':
            return end(reply.code === null ? null : { failed: reply.code, ...(reply.detail !== undefined && { detail: reply.detail }) }, false);
        }
      };
      hardStop = setTimeout(timedOut('the peer deadline passed'), Math.max(0, deadline - Date.now()));
      stillAlive();
      const message: PeerFetchRequest = { type: 'peer-fetch', v: BRIDGE_PROTOCOL, ...request, want, deadlineMs: Math.max(1, deadline - Date.now()) };
      client.postMessage(message, [channel.port2]);
    });

    return {
      cancel(chunks) {
        if (ended) return;
        if (chunks === undefined) return end({ failed: 'CANCELLED', detail: 'the SW needs nothing more' }, true);
        for (const i of chunks) dropped.add(i);
        if (port) post(port, { type: 'peer-fetch-cancel', v: BRIDGE_PROTOCOL, chunks: [...chunks].sort((a, b) => a - b) });
      },
    };
  }

  /**
   * Tells every page bridge that this visitor now holds these chunks of a file (kept in the
   * partial store) or, with `chunks` null, the whole file (cached): they announce it to peers.
   */
  held(sha256: string, chunks: readonly number[] | null): void {
    const message: ChunksHeld = { type: 'chunks-held', v: BRIDGE_PROTOCOL, sha256, chunks };
    for (const [clientId, state] of this.#states) {
      if (state === 'off') continue;
      void this.#clients.get(clientId).then((client) => client?.postMessage(message), () => undefined);
    }
  }

  /** The bridge to ask: the requester's own when ready, another ready one, or why none. */
  async #choose(requesterId: string | undefined, deadline: number, asked: number): Promise<Client | PeerFailure> {
    const helloDeadline = asked + this.#helloWaitMs;
    for (;;) {
      await this.#prune();
      const choice = chooseBridge({ states: this.#states, requesterId, now: Date.now(), deadline, helloDeadline });
      if (choice.kind === 'none') return { failed: 'NO_BRIDGE', detail: `no page bridge was ready within ${Date.now() - asked} ms` };
      if (choice.kind === 'wait') {
        await this.#waitForChange(choice.until - Date.now());
        continue;
      }
      const client = await this.#clients.get(choice.clientId);
      if (client) return client;
      this.#states.delete(choice.clientId);
    }
  }

  #waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.#waiters.add(wake);
    });
  }

  /** Forgets bridges whose pages are gone. */
  async #prune(): Promise<void> {
    if (this.#states.size === 0) return;
    const live = new Set((await this.#clients.matchAll({ type: 'window', includeUncontrolled: false })).map((c) => c.id));
    for (const id of [...this.#states.keys()]) if (!live.has(id)) this.#states.delete(id);
  }
}

function post(port: MessagePort, message: PeerFetchCancel): void {
  port.postMessage(message);
}
