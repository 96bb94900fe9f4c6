/**
 * Swarm membership of one signaling node, pure (no I/O, no clock): which connected peers are in
 * which swarm. A peer is in at most one swarm; joining another moves it. The only read a caller
 * gets for answering peers is `pick`, a small uniform random sample of the OTHER members of one
 * swarm; there is no way to list every peer of the node (no global list, ever).
 *
 * Members of a swarm live in an array plus an index map, so join/leave are O(1) (swap-remove) and
 * `pick` is O(max) with a sparse partial Fisher-Yates shuffle, whatever the size of the swarm.
 */

/** A swarm is one site (its key id, on the Origin the browser reports) at one manifest version. */
export function swarmKey(origin: string, keyId: string, version: number): string {
  // keyId is hex and version an integer, so splitting from the right is unambiguous even when
  // the origin itself contains '|'.
  return `${origin}|${keyId}|${version}`;
}

/** A random source returning a float in [0, 1), like Math.random. */
export type RandomSource = () => number;

export interface SwarmCounts {
  /** Peers that are members of some swarm. */
  readonly peers: number;
  /** Non-empty swarms. */
  readonly swarms: number;
}

/** An integer in [0, n), clamped so a misbehaving random source cannot index out of range. */
function randomBelow(n: number, random: RandomSource): number {
  const r = Math.floor(random() * n);
  return Number.isFinite(r) ? Math.min(n - 1, Math.max(0, r)) : 0;
}

class Swarm {
  readonly ids: string[] = [];
  readonly index = new Map<string, number>();

  add(peerId: string): void {
    if (this.index.has(peerId)) return;
    this.index.set(peerId, this.ids.length);
    this.ids.push(peerId);
  }

  remove(peerId: string): void {
    const i = this.index.get(peerId);
    if (i === undefined) return;
    const last = this.ids.pop();
    this.index.delete(peerId);
    if (last !== undefined && last !== peerId) {
      this.ids[i] = last;
      this.index.set(last, i);
    }
  }
}

export class SwarmRegistry {
  readonly #swarms = new Map<string, Swarm>();
  readonly #swarmOf = new Map<string, string>();

  /** Puts `peerId` in swarm `key`, leaving the swarm it was in before, if any. */
  join(key: string, peerId: string): void {
    const current = this.#swarmOf.get(peerId);
    if (current === key) return;
    if (current !== undefined) this.leave(peerId);
    let swarm = this.#swarms.get(key);
    if (!swarm) {
      swarm = new Swarm();
      this.#swarms.set(key, swarm);
    }
    swarm.add(peerId);
    this.#swarmOf.set(peerId, key);
  }

  /** Removes `peerId` from its swarm; an emptied swarm is forgotten. Unknown peers are ignored. */
  leave(peerId: string): void {
    const key = this.#swarmOf.get(peerId);
    if (key === undefined) return;
    this.#swarmOf.delete(peerId);
    const swarm = this.#swarms.get(key);
    if (!swarm) return;
    swarm.remove(peerId);
    if (swarm.ids.length === 0) this.#swarms.delete(key);
  }

  /** The swarm `peerId` is in, if any. */
  swarmOf(peerId: string): string | undefined {
    return this.#swarmOf.get(peerId);
  }

  /** Members of one swarm (a copy, in no particular order). For tests and diagnostics. */
  members(key: string): readonly string[] {
    return [...(this.#swarms.get(key)?.ids ?? [])];
  }

  /**
   * Up to `max` members of swarm `key` other than `excludePeerId`, chosen uniformly at random
   * without repetition (every subset of that size is equally likely).
   */
  pick(key: string, excludePeerId: string, max: number, random: RandomSource = Math.random): string[] {
    const swarm = this.#swarms.get(key);
    if (!swarm || !(max > 0)) return [];
    const { ids } = swarm;
    // A virtual array of the other members: `ids` with the excluded peer swapped to the end and cut.
    const self = swarm.index.get(excludePeerId);
    const length = self === undefined ? ids.length : ids.length - 1;
    const at = (i: number): string => {
      const real = self !== undefined && i === self ? ids.length - 1 : i;
      const id = ids[real];
      if (id === undefined) throw new RangeError(`swarm index ${real} out of range`);
      return id;
    };
    // Partial Fisher-Yates over positions 0..length-1; `swapped` holds only the moved positions.
    const count = Math.min(Math.floor(max), length);
    const swapped = new Map<number, number>();
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const j = i + randomBelow(length - i, random);
      const picked = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      out.push(at(picked));
    }
    return out;
  }

  counts(): SwarmCounts {
    return { peers: this.#swarmOf.size, swarms: this.#swarms.size };
  }
}
