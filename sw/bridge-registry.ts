/** The SW's view of the page bridges: their states, and asking one of them for bytes. */
import {
  BRIDGE_PROTOCOL,
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
  async fetch(request: Omit<PeerFetchRequest, 'type' | 'v' | 'deadlineMs'>, requesterId: string | undefined, deadline: number): Promise<PeerBytes | { failed: ErrorCode }> {
    const helloDeadline = Date.now() + this.helloWaitMs;
    for (;;) {
      await this.prune();
      const choice = chooseBridge({ states: this.states, requesterId, now: Date.now(), deadline, helloDeadline });
      if (choice.kind === 'none') return { failed: 'NO_BRIDGE' };
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
  private ask(client: Client, message: PeerFetchRequest, deadline: number): Promise<PeerBytes | { failed: ErrorCode }> {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      let idle: ReturnType<typeof setTimeout> | undefined;
      const hardStop = setTimeout(() => finish({ failed: 'PEER_TIMEOUT' }), Math.max(0, deadline - Date.now()));
      const stillAlive = () => {
        clearTimeout(idle);
        idle = setTimeout(() => finish({ failed: 'PEER_TIMEOUT' }), this.idleMs);
      };
      const finish = (value: PeerBytes | { failed: ErrorCode }) => {
        clearTimeout(hardStop);
        clearTimeout(idle);
        channel.port1.close();
        resolve(value);
      };
      channel.port1.onmessage = (event) => {
        try {
          if (parsePeerFetchProgress(event.data)) return stillAlive();
          const result = parsePeerFetchResult(event.data);
          finish(result.ok ? { body: result.body, peerId: result.peerId } : { failed: result.code });
        } catch {
          finish({ failed: 'PEER_REJECTED' });
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
