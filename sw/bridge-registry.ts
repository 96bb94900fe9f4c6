/** The SW's view of the page bridges: their states, and asking one of them for bytes. */
import {
  BRIDGE_PROTOCOL,
  failureDetail,
  parsePeerFetchProgress,
  parsePeerFetchResult,
  type BridgeState,
  type ErrorCode,
  type PeerFetchRequest,
} from '../core/index.js';
import { chooseBridge } from './bridge-choice.js';

export interface PeerBytes {
  readonly body: ArrayBuffer;
  readonly peerId: string;
}

/** Why no bytes came: an error code, and for people troubleshooting, what happened (ASCII). */
export interface PeerFailure {
  readonly failed: ErrorCode;
  readonly detail?: string;
}

export class BridgeRegistry {
  private readonly states = new Map<string, BridgeState>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly clients: Clients,
    private readonly helloWaitMs: number,
    /** A bridge that reports no progress for this long has stalled: the SW goes to the origin. */
    private readonly idleMs: number,
  ) {}

  setState(clientId: string, state: BridgeState): void {
    this.states.set(clientId, state);
    for (const wake of [...this.waiters]) wake();
  }

  stateOf(clientId: string): BridgeState | undefined {
    return this.states.get(clientId);
  }

  /** Asks a bridge for the bytes of one file; undefined when none could answer by the deadline. */
  async fetch(request: Omit<PeerFetchRequest, 'type' | 'v' | 'deadlineMs'>, requesterId: string | undefined, deadline: number): Promise<PeerBytes | PeerFailure> {
    const asked = Date.now();
    const helloDeadline = asked + this.helloWaitMs;
    for (;;) {
      await this.prune();
      const choice = chooseBridge({ states: this.states, requesterId, now: Date.now(), deadline, helloDeadline });
      if (choice.kind === 'none') return { failed: 'NO_BRIDGE', detail: `no page bridge was ready within ${Date.now() - asked} ms` };
      if (choice.kind === 'wait') {
        await this.waitForChange(choice.until - Date.now());
        continue;
      }
      const client = await this.clients.get(choice.clientId);
      if (!client) {
        this.states.delete(choice.clientId);
        continue;
      }
      return this.ask(client, { type: 'peer-fetch', v: BRIDGE_PROTOCOL, ...request, deadlineMs: Math.max(1, deadline - Date.now()) }, deadline);
    }
  }

  /**
   * Posts the request and waits for the answer until `deadline`, or until the bridge has been
   * silent for idleMs: first bytes late, or a transfer that stopped making progress.
   */
  private ask(client: Client, message: PeerFetchRequest, deadline: number): Promise<PeerBytes | PeerFailure> {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const asked = Date.now();
      let received = 0;
      let idle: ReturnType<typeof setTimeout> | undefined;
      const timedOut = (why: string) => () =>
        finish({ failed: 'PEER_TIMEOUT', detail: failureDetail(`${why} (${received} of ${message.size} bytes, ${Date.now() - asked} ms after asking)`) });
      const hardStop = setTimeout(timedOut(`deadline of ${message.deadlineMs} ms passed`), Math.max(0, deadline - Date.now()));
      const stillAlive = () => {
        clearTimeout(idle);
        idle = setTimeout(timedOut(`bridge reported no progress for ${this.idleMs} ms`), this.idleMs);
      };
      const finish = (value: PeerBytes | PeerFailure) => {
        clearTimeout(hardStop);
        clearTimeout(idle);
        channel.port1.close();
        resolve(value);
      };
      channel.port1.onmessage = (event) => {
        try {
          const progress = parsePeerFetchProgress(event.data);
          if (progress) {
            received = progress.received;
            return stillAlive();
          }
          const result = parsePeerFetchResult(event.data);
          if (result.ok) return finish({ body: result.body, peerId: result.peerId });
          finish(result.detail === undefined ? { failed: result.code } : { failed: result.code, detail: result.detail });
        } catch {
          finish({ failed: 'PEER_REJECTED', detail: 'the bridge answered with a malformed message' });
        }
      };
      stillAlive();
      client.postMessage(message, [channel.port2]);
    });
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.waiters.add(wake);
    });
  }

  /** Forgets bridges whose pages are gone. */
  private async prune(): Promise<void> {
    if (this.states.size === 0) return;
    const live = new Set((await this.clients.matchAll({ type: 'window', includeUncontrolled: false })).map((c) => c.id));
    for (const id of [...this.states.keys()]) if (!live.has(id)) this.states.delete(id);
  }
}
