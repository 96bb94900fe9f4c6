/**
 * The shared state of several signal nodes, in Redis (layout: cluster-keys.ts; scripts:
 * cluster-scripts.ts): who holds which peer id, swarm membership, and the relay channels.
 * Every method throws when Redis does not answer (down, or no reply in time); the callers decide
 * what the node does alone then (signal-cluster.ts). Replies are checked: a value that is not
 * what this node's scripts write is treated as absent.
 */
import { createHash } from 'node:crypto';
import { REGION } from '../core/swarm.js';
import { NODE_ID, PRESENCE_PREFIX, RELAY_PREFIX, presenceKey, relayChannel, swarmSetKey } from './cluster-keys.js';
import { PEER_ID } from './peer-admission.js';
import { type RelayEnvelope, encodeRelayEnvelope } from './relay-envelope.js';
import type { RedisLink } from './redis-link.js';
import { secretEqual } from './secret-equal.js';
import { SWARM_DRAW, type SwarmMember } from './swarm-selection.js';

/** How many members a join draws from Redis at most (swarm-selection.ts; re-exported for the simulator). */
export { SWARM_DRAW };

/** A peer connected to this node, as the refresh needs it. */
export interface LocalPeer {
  readonly id: string;
  readonly token: string;
  /** The swarm (swarm-registry.ts's key) it joined through this node, if any. */
  readonly swarm: string | undefined;
  /** What it said in that join. */
  readonly member: SwarmMember | undefined;
}

/** A peer joining: who it says it is, with the token that proves it. */
export interface JoiningPeer extends SwarmMember {
  readonly token: string;
}

function holdsText(holds: number): string {
  return String(holds);
}

/** A member as the join script returns it; a malformed one (not written by this code) is dropped. */
function parseDrawnMember(id: unknown, holds: unknown, region: unknown): SwarmMember | undefined {
  if (typeof id !== 'string' || !PEER_ID.test(id)) return undefined;
  const h = typeof holds === 'string' ? Number(holds) : Number.NaN;
  return {
    id,
    holds: Number.isFinite(h) && h >= 0 && h <= 1 ? h : 0,
    region: typeof region === 'string' && REGION.test(region) ? region : null,
  };
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

  /** Extends presence and swarm entries of these peers (a slice: presence-refresh.ts) by one TTL, in one round trip. */
  async refresh(peers: Iterable<LocalPeer>): Promise<void> {
    const pipeline = this.link.commands.pipeline();
    let count = 0;
    for (const peer of peers) {
      const swarm = peer.swarm === undefined ? '' : swarmSetKey(peer.swarm);
      const holds = holdsText(peer.member?.holds ?? 0);
      pipeline.deploynetRefresh(1, presenceKey(peer.id), tokenHash(peer.token), this.nodeId, this.ttlMs, peer.id, swarm, holds, peer.member?.region ?? '');
      count += 1;
    }
    if (count === 0) return;
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  /**
   * Puts `peer` in `swarm` (out of the swarm it was in), with its holds and region, and draws up
   * to SWARM_DRAW other live members, at random, from every node, for the caller to rank.
   * `connectedHere`: the peer's socket is on this node (its presence is written again if Redis
   * lost it). 'gone': Redis has no live peer with that id and token (it left, or never was).
   */
  async join(swarm: string, peer: JoiningPeer, connectedHere: boolean): Promise<SwarmMember[] | 'gone'> {
    const reply = await this.link.commands.deploynetJoin(
      2,
      presenceKey(peer.id),
      swarmSetKey(swarm),
      this.ttlMs,
      peer.id,
      SWARM_DRAW + 1,
      tokenHash(peer.token),
      connectedHere ? this.nodeId : '',
      holdsText(peer.holds),
      peer.region ?? '',
      PRESENCE_PREFIX,
    );
    if (!Array.isArray(reply)) return 'gone';
    const members: SwarmMember[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const member = parseDrawnMember(reply[i], reply[i + 1], reply[i + 2]);
      if (member !== undefined && member.id !== peer.id) members.push(member);
    }
    return members;
  }

  /**
   * Publishes `envelope` on the channel of the node holding its `dst`, in one round trip; false
   * when no other live node holds it (or its node no longer listens: it died).
   */
  async forward(envelope: RelayEnvelope): Promise<boolean> {
    const receivers = await this.link.commands.deploynetForward(1, presenceKey(envelope.dst), this.nodeId, RELAY_PREFIX, encodeRelayEnvelope(envelope));
    return typeof receivers === 'number' && receivers > 0;
  }

  /** Publishes on `nodeId`'s channel; false when no node listens there (it died). */
  async publish(nodeId: string, envelope: RelayEnvelope): Promise<boolean> {
    const receivers = await this.link.commands.publish(relayChannel(nodeId), encodeRelayEnvelope(envelope));
    return receivers > 0;
  }
}
