/**
 * Relaying PeerJS messages between peers on different nodes. PeerServer relays between the
 * sockets it holds; a message whose destination is not connected here it would queue and, after
 * its expire_timeout, answer with EXPIRE. So the gate (peer-gate.ts) asks `route` about every
 * message before PeerServer sees it:
 *
 *   not a relayed type with a dst, or dst connected here   → PeerServer, at once
 *   dst held by another live node (presence in Redis)      → published on that node's channel
 *                                                            (one script: lookup and publish in
 *                                                            one round trip)
 *   dst nowhere, its node gone, or Redis not answering     → handed back to PeerServer (queue, EXPIRE)
 *
 * Messages of one sender that wait for Redis stay in order: while any wait, the sender's next
 * relayed messages queue behind them (at most MAX_PENDING; more are dropped). The receiving node
 * checks each envelope (relay-envelope.ts) and hands it to its local peer; one for a peer that is
 * no longer there is answered with EXPIRE, as PeerServer answers a message it could not deliver.
 */
import type { ClusterState } from './cluster-state.js';
import type { SignalMetrics } from './metrics.js';
import type { PeerClients } from './peer-clients.js';
import { RELAY_ENVELOPE_VERSION, type RelayEnvelope, parseRelayEnvelope, peerJsMessage, relayedTarget } from './relay-envelope.js';
import type { SignalLog } from './signal-log.js';

/** Messages of one sender that may wait for Redis at once. */
export const MAX_PENDING = 64;

/** Types whose loss the sender must hear about (PeerServer queues these, and EXPIREs them). */
const ANSWERED = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);

export interface CrossNodeRelayDeps {
  readonly state: Pick<ClusterState, 'nodeId' | 'forward' | 'publish'>;
  readonly clients: Pick<PeerClients, 'isLocal' | 'deliver'>;
  readonly metrics: SignalMetrics;
  readonly log: SignalLog;
  /** Counts and logs a Redis command that failed (redis-link.ts). */
  readonly failed: (operation: string, error: unknown) => void;
  /** Longest envelope read from a channel. */
  readonly maxEnvelopeChars: number;
}

export class CrossNodeRelay {
  /** Per sender: the last queued forward, and how many wait. */
  readonly #queues = new Map<string, { tail: Promise<void>; count: number }>();

  constructor(private readonly deps: CrossNodeRelayDeps) {}

  /**
   * One message `srcId` sent. True: PeerServer may handle it now. False: the relay took it, and
   * calls `handBack` later if PeerServer should handle it after all.
   */
  route(srcId: string, text: string, handBack: () => void): boolean {
    const target = relayedTarget(text);
    if (target === undefined) return true;
    const queue = this.#queues.get(srcId);
    if (queue === undefined && this.deps.clients.isLocal(target.dst)) return true;
    if (queue !== undefined && queue.count >= MAX_PENDING) {
      this.deps.log({ level: 'debug', msg: 'relay-dropped', peerId: srcId, reason: 'too many messages waiting for Redis' });
      return false;
    }
    const envelope: RelayEnvelope = { v: RELAY_ENVELOPE_VERSION, from: this.deps.state.nodeId, src: srcId, ...target };
    const entry = queue ?? { tail: Promise.resolve(), count: 0 };
    entry.count += 1;
    entry.tail = entry.tail
      .then(() => this.#forward(envelope, handBack))
      .catch((error: unknown) => this.deps.log({ level: 'error', msg: 'relay-failed', peerId: srcId, error: String(error) }))
      .finally(() => {
        entry.count -= 1;
        if (entry.count === 0) this.#queues.delete(srcId);
      });
    this.#queues.set(srcId, entry);
    return false;
  }

  /** One message from this node's channel. */
  receive(text: string): void {
    let envelope: RelayEnvelope;
    try {
      envelope = parseRelayEnvelope(text, this.deps.maxEnvelopeChars);
    } catch (error) {
      this.deps.log({ level: 'warn', msg: 'relay-envelope-refused', error: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (this.deps.clients.deliver(envelope.dst, peerJsMessage(envelope))) {
      this.deps.metrics.countCrossNode('received');
      return;
    }
    if (!ANSWERED.has(envelope.type)) return;
    const expire: RelayEnvelope = { v: RELAY_ENVELOPE_VERSION, from: this.deps.state.nodeId, type: 'EXPIRE', src: envelope.dst, dst: envelope.src };
    this.deps.state.publish(envelope.from, expire).catch((error: unknown) => this.deps.failed('publish', error));
  }

  async #forward(envelope: RelayEnvelope, handBack: () => void): Promise<void> {
    const { state, clients, metrics } = this.deps;
    if (clients.isLocal(envelope.dst)) {
      handBack();
      return;
    }
    try {
      if (await state.forward(envelope)) {
        metrics.countRelay(envelope.type);
        metrics.countCrossNode('sent');
        return;
      }
    } catch (error) {
      this.deps.failed('relay', error);
    }
    handBack();
  }
}
