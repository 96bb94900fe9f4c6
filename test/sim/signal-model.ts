/**
 * K signal nodes. Each node keeps its own peers' swarm membership in the real SwarmRegistry
 * (signal/swarm-registry.ts); with K > 1 they share membership as the Redis cluster does
 * (signal/cluster-state.ts): a join draws up to SWARM_DRAW live members at random from every node
 * and the node ranks them with the real selectSwarmPeers, as swarm-join-route.ts does. With one
 * node, the registry chooses (registry.choose: all of a small swarm ranked, a run of a large
 * one), as a node without Redis does.
 *
 * Messages are counted per node and kind: the PeerJS socket's OPEN, HEARTBEATs (PeerJS sends one
 * every HEARTBEAT_MS per connected peer: counted from the online count, not as events), swarm
 * joins, and each relayed handshake message (OFFER, ANSWER, ICE candidates), which a node counts
 * once when the two peers share it and on both nodes otherwise (the cross-node relay).
 */
import { SWARM_DRAW } from '../../signal/cluster-state.js';
import { MemberList } from '../../signal/member-list.js';
import { SwarmRegistry, swarmKey } from '../../signal/swarm-registry.js';
import { selectSwarmPeers, type SwarmMember } from '../../signal/swarm-selection.js';
import type { Rng } from './rng.js';

/** PeerJS's client heartbeat interval (peerjs pingInterval default). */
export const HEARTBEAT_MS = 5000;

export type MessageKind = 'open' | 'heartbeat' | 'join' | 'relay' | 'leave';

/**
 * Up to `n` members of the shared Redis set other than `self`: every member of a small swarm; in
 * a large one, `n` in a row from a random place of the member list (members sit in join order,
 * shuffled by every leave: about as random as Redis's SRANDMEMBER, at O(n)).
 */
function draw(shared: MemberList, n: number, self: string, rng: Rng): SwarmMember[] {
  const out: SwarmMember[] = [];
  const from = shared.size <= n + 1 ? 0 : Math.floor(rng.next() * shared.size);
  for (const member of shared.run(from, shared.size)) {
    if (out.length >= n) break;
    if (member.id !== self) out.push(member);
  }
  return out;
}

export interface NodeCounts {
  /** Messages handled per kind. */
  readonly byKind: Record<MessageKind, number>;
  total: number;
}

export class SignalModel {
  readonly registries: SwarmRegistry[];
  readonly counts: NodeCounts[];
  /** With K > 1: the members every node sees through Redis. */
  private readonly shared: MemberList | null;
  private readonly key = swarmKey('https://site.example', 'aaaaaaaaaaaaaaaa', 1);
  /** Listeners for each counted message (time series). */
  onMessage: (node: number, kind: MessageKind, n: number) => void = () => undefined;

  constructor(
    readonly nodes: number,
    private readonly rng: Rng,
  ) {
    // Draws in large swarms start at a place from the seeded generator, not Math.random.
    this.registries = Array.from({ length: nodes }, () => new SwarmRegistry(() => rng.next()));
    this.counts = Array.from({ length: nodes }, () => ({ byKind: { open: 0, heartbeat: 0, join: 0, relay: 0, leave: 0 }, total: 0 }));
    this.shared = nodes > 1 ? new MemberList() : null;
  }

  count(node: number, kind: MessageKind, n = 1): void {
    const c = this.counts[node]!;
    c.byKind[kind] += n;
    c.total += n;
    this.onMessage(node, kind, n);
  }

  /** A swarm join through `node`: the joiner becomes a member; returns up to `max` others, best first. */
  join(node: number, joiner: SwarmMember, max: number): string[] {
    this.count(node, 'join');
    const registry = this.registries[node]!;
    registry.join(this.key, joiner);
    if (this.shared === null) return registry.choose(this.key, joiner, max);
    this.shared.set(joiner);
    return selectSwarmPeers(joiner, draw(this.shared, SWARM_DRAW, joiner.id, this.rng), max);
  }

  /** `n` handshake messages from a peer on node `from` to one on node `to`. */
  relay(from: number, to: number, n: number): void {
    this.count(from, 'relay', n);
    if (to !== from) this.count(to, 'relay', n);
  }

  /** The peer's socket closed: it leaves its swarm on every node. */
  leave(node: number, peerId: string): void {
    this.count(node, 'leave');
    this.registries[node]!.leave(peerId);
    this.shared?.remove(peerId);
  }
}
