/**
 * The shared state of several signal nodes, in Redis (layout: cluster-keys.ts; scripts:
 * cluster-scripts.ts): who holds which peer id, swarm membership, and the relay channels.
 * Every method throws when Redis does not answer (down, or no reply in time); the callers decide
 * what the node does alone then (signal-cluster.ts). Replies are checked: a value that is not
 * what this node's scripts write is treated as absent.
 */
import { createHash } from 'node:crypto';
import { NODE_ID, presenceKey, relayChannel, swarmSetKey } from './cluster-keys.js';
import { PEER_ID } from './peer-admission.js';
import { type RelayEnvelope, encodeRelayEnvelope } from './relay-envelope.js';
import type { RedisLink } from './redis-link.js';
import { secretEqual } from './secret-equal.js';

/** A peer connected to this node, as the refresh needs it. */
export interface LocalPeer {
  readonly id: string;
  readonly token: string;
  /** The swarm (swarm-registry.ts's key) it joined through this node, if any. */
  readonly swarm: string | undefined;
}

/** Presence stores SHA-256 of the PeerJS token: enough to tell a reconnect from a hijack. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class ClusterState {
  constructor(
    private readonly link: RedisLink,
    readonly nodeId: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes `peerId` for this node; false when a live peer on any node holds it with another token. */
  async claim(peerId: string, token: string): Promise<boolean> {
    const reply = await this.link.commands.deploynetClaim(1, presenceKey(peerId), tokenHash(token), this.nodeId, this.ttlMs);
    return reply !== 0;
  }

  /**
   * Whether `peerId` is live on some node with exactly `token` (a swarm join may reach any node).
   */
  async owns(peerId: string, token: string): Promise<boolean> {
    const held = await this.link.commands.hget(presenceKey(peerId), 'token');
    return typeof held === 'string' && secretEqual(held, tokenHash(token));
  }

  /** Forgets a peer that left this node, and its swarm entry (unless it is on another node by now). */
  async release(peerId: string): Promise<void> {
    await this.link.commands.deploynetRelease(1, presenceKey(peerId), this.nodeId, peerId);
  }

  /** Extends presence and swarm entries of this node's peers by one TTL, in one round trip. */
  async refresh(peers: Iterable<LocalPeer>): Promise<void> {
    const pipeline = this.link.commands.pipeline();
    let count = 0;
    for (const peer of peers) {
      const swarm = peer.swarm === undefined ? '' : swarmSetKey(peer.swarm);
      pipeline.deploynetRefresh(1, presenceKey(peer.id), tokenHash(peer.token), this.nodeId, this.ttlMs, peer.id, swarm);
      count += 1;
    }
    if (count === 0) return;
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  /**
   * Puts `peerId` in `swarm` (out of the swarm it was in) and draws up to `max` other live
   * members, at random, from every node.
   */
  async join(swarm: string, peerId: string, max: number): Promise<string[]> {
    const reply = await this.link.commands.deploynetJoin(2, presenceKey(peerId), swarmSetKey(swarm), this.ttlMs, peerId, max + 1);
    if (!Array.isArray(reply)) return [];
    const peers = reply.filter((p): p is string => typeof p === 'string' && p !== peerId && PEER_ID.test(p));
    return peers.slice(0, max);
  }

  /** The node holding `peerId`, if any live node does. */
  async locate(peerId: string): Promise<string | undefined> {
    const node = await this.link.commands.hget(presenceKey(peerId), 'node');
    return typeof node === 'string' && NODE_ID.test(node) ? node : undefined;
  }

  /** Publishes on `nodeId`'s channel; false when no node listens there (it died). */
  async publish(nodeId: string, envelope: RelayEnvelope): Promise<boolean> {
    const receivers = await this.link.commands.publish(relayChannel(nodeId), encodeRelayEnvelope(envelope));
    return receivers > 0;
  }
}
