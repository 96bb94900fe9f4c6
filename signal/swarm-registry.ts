/**
 * Swarm membership of one signaling node, pure (no I/O, no clock): which connected peers are in
 * which swarm, with what each said in its last join (holdings, region). A peer is in at most one
 * swarm; joining another moves it, joining the same one again updates what it said. The only read
 * a caller gets for answering peers is `choose`: at most `max` OTHER members of one swarm, ranked
 * by swarm-selection.ts; there is no way to list every peer of the node (no global list, ever).
 *
 * join and leave are O(1); choose ranks at most SWARM_DRAW + 1 members (the joiner may be among
 * them): all of a swarm up to that size, a run of that many from a random place in a larger one,
 * as the Redis variant draws a random sample (cluster-state.ts). Ranking every member made each
 * join O(swarm size) and a node's joins quadratic: bench:signal's 10,000 joins into 16 swarms
 * spent seconds of CPU hashing, and their garbage was still being collected while the node relayed.
 */
import { MemberList } from './member-list.js';
import { SWARM_DRAW, type SwarmMember, selectSwarmPeers } from './swarm-selection.js';

/** A swarm is one site (its key id, on the Origin the browser reports) at one manifest version. */
export function swarmKey(origin: string, keyId: string, version: number): string {
  // keyId is hex and version an integer, so splitting from the right is unambiguous even when
  // the origin itself contains '|'.
  return `${origin}|${keyId}|${version}`;
}

export interface SwarmCounts {
  /** Peers that are members of some swarm. */
  readonly peers: number;
  /** Non-empty swarms. */
  readonly swarms: number;
}

/** One swarm: its key (one string for all its members to point at) and its members. */
interface Swarm {
  readonly key: string;
  readonly members: MemberList;
}

export class SwarmRegistry {
  readonly #swarms = new Map<string, Swarm>();

  /** `random`: where in a large swarm a join's draw starts (tests pass a fixed one). */
  constructor(private readonly random: () => number = Math.random) {}

  /** Each member's swarm key: the Swarm's own string, so thousands of members share one copy. */
  readonly #swarmOf = new Map<string, string>();

  /**
   * Puts `member` in swarm `key`, leaving the swarm it was in before, if any; in the same swarm,
   * what it says now replaces what it said before.
   */
  join(key: string, member: SwarmMember): void {
    const current = this.#swarmOf.get(member.id);
    if (current !== undefined && current !== key) this.leave(member.id);
    let swarm = this.#swarms.get(key);
    if (!swarm) {
      swarm = { key, members: new MemberList() };
      this.#swarms.set(key, swarm);
    }
    swarm.members.set(member);
    this.#swarmOf.set(member.id, swarm.key);
  }

  /** Removes `peerId` from its swarm; an emptied swarm is forgotten. Unknown peers are ignored. */
  leave(peerId: string): void {
    const key = this.#swarmOf.get(peerId);
    if (key === undefined) return;
    this.#swarmOf.delete(peerId);
    const swarm = this.#swarms.get(key);
    if (!swarm) return;
    swarm.members.remove(peerId);
    if (swarm.members.size === 0) this.#swarms.delete(key);
  }

  /** The swarm `peerId` is in, if any. */
  swarmOf(peerId: string): string | undefined {
    return this.#swarmOf.get(peerId);
  }

  /** What `peerId` said in its last join, while it is in a swarm. */
  memberOf(peerId: string): SwarmMember | undefined {
    const key = this.#swarmOf.get(peerId);
    return key === undefined ? undefined : this.#swarms.get(key)?.members.get(peerId);
  }

  /** Ids of one swarm's members (a copy, in no particular order). For tests and diagnostics. */
  members(key: string): readonly string[] {
    return (this.#swarms.get(key)?.members.all ?? []).map((m) => m.id);
  }

  /**
   * Up to `max` members of swarm `key` other than `joiner`, best first (swarm-selection.ts)
   * among the members drawn (see the top of this file).
   */
  choose(key: string, joiner: SwarmMember, max: number): string[] {
    const swarm = this.#swarms.get(key);
    if (!swarm) return [];
    const { members } = swarm;
    const draw = SWARM_DRAW + 1; // the joiner itself may be one of them
    if (members.size <= draw) return selectSwarmPeers(joiner, members.all, max);
    return selectSwarmPeers(joiner, members.run(Math.floor(this.random() * members.size), draw), max);
  }

  counts(): SwarmCounts {
    return { peers: this.#swarmOf.size, swarms: this.#swarms.size };
  }
}
