/**
 * A swarm's members in no particular order: a dense array (so that a draw can read a run of it
 * from any place) and each member's place in it. Adding, replacing and removing are O(1): the last
 * member takes a leaver's place. Used by SwarmRegistry, and by the simulator's model of the
 * shared Redis set (test/sim/signal-model.ts).
 */
import type { SwarmMember } from './swarm-selection.js';

export class MemberList {
  readonly #list: SwarmMember[] = [];
  readonly #at = new Map<string, number>();

  get size(): number {
    return this.#list.length;
  }

  /** Every member, in the list's order (a live view: do not hold it across changes). */
  get all(): readonly SwarmMember[] {
    return this.#list;
  }

  get(id: string): SwarmMember | undefined {
    const i = this.#at.get(id);
    return i === undefined ? undefined : this.#list[i];
  }

  /** Adds `member`, or replaces what the member with its id said before. */
  set(member: SwarmMember): void {
    const i = this.#at.get(member.id);
    if (i !== undefined) {
      this.#list[i] = member;
      return;
    }
    this.#at.set(member.id, this.#list.length);
    this.#list.push(member);
  }

  /** Removes the member with this id, if there is one. */
  remove(id: string): void {
    const i = this.#at.get(id);
    if (i === undefined) return;
    const last = this.#list.pop()!;
    this.#at.delete(id);
    if (i < this.#list.length) {
      this.#list[i] = last;
      this.#at.set(last.id, i);
    }
  }

  /** Members `start`, `start + 1`, … , `count` of them (at most every member once), wrapping round at the end. */
  *run(start: number, count: number): Generator<SwarmMember> {
    const list = this.#list;
    for (let k = 0, i = start; k < Math.min(count, list.length); k++, i = i + 1 === list.length ? 0 : i + 1) yield list[i]!;
  }
}
