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

/**
 * One swarm: its key (one string for all its members to point at), its members in no particular
 * order (an array, so that a join can draw from anywhere in it), and each member's place in it.
 */
interface Swarm {
  readonly key: string;
  readonly list: SwarmMember[];
  readonly at: Map<string, number>;
}

/** Members `start`, `start + 1`, … of `list`, `count` of them, wrapping round at its end. */
function* run(list: readonly SwarmMember[], start: number, count: number): Generator<SwarmMember> {
  for (let i = 0; i < count; i++) yield list[(start + i) % list.length]!;
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
      swarm = { key, list: [], at: new Map() };
      this.#swarms.set(key, swarm);
    }
    const i = swarm.at.get(member.id);
    if (i === undefined) {
      swarm.at.set(member.id, swarm.list.length);
      swarm.list.push(member);
    } else {
      swarm.list[i] = member;
    }
    this.#swarmOf.set(member.id, swarm.key);
  }

  /** Removes `peerId` from its swarm; an emptied swarm is forgotten. Unknown peers are ignored. */
  leave(peerId: string): void {
    const key = this.#swarmOf.get(peerId);
    if (key === undefined) return;
    this.#swarmOf.delete(peerId);
    const swarm = this.#swarms.get(key);
    const i = swarm?.at.get(peerId);
    if (!swarm || i === undefined) return;
    // The last member takes the leaver's place: O(1), and the list stays dense.
    const last = swarm.list.pop()!;
    swarm.at.delete(peerId);
    if (i < swarm.list.length) {
      swarm.list[i] = last;
      swarm.at.set(last.id, i);
    }
    if (swarm.list.length === 0) this.#swarms.delete(key);
  }

  /** The swarm `peerId` is in, if any. */
  swarmOf(peerId: string): string | undefined {
    return this.#swarmOf.get(peerId);
  }

  /** What `peerId` said in its last join, while it is in a swarm. */
  memberOf(peerId: string): SwarmMember | undefined {
    const key = this.#swarmOf.get(peerId);
    const swarm = key === undefined ? undefined : this.#swarms.get(key);
    const i = swarm?.at.get(peerId);
    return i === undefined ? undefined : swarm?.list[i];
  }

  /** Ids of one swarm's members (a copy, in no particular order). For tests and diagnostics. */
  members(key: string): readonly string[] {
    return (this.#swarms.get(key)?.list ?? []).map((m) => m.id);
  }

  /**
   * Up to `max` members of swarm `key` other than `joiner`, best first (swarm-selection.ts)
   * among the members drawn (see the top of this file).
   */
  choose(key: string, joiner: SwarmMember, max: number): string[] {
    const swarm = this.#swarms.get(key);
    if (!swarm) return [];
    const { list } = swarm;
    const draw = SWARM_DRAW + 1; // the joiner itself may be one of them
    if (list.length <= draw) return selectSwarmPeers(joiner, list, max);
    return selectSwarmPeers(joiner, run(list, Math.floor(this.random() * list.length), draw), max);
  }

  counts(): SwarmCounts {
    return { peers: this.#swarmOf.size, swarms: this.#swarms.size };
  }
}
