/**
 * Rendezvous (highest random weight) hashing: every member of a swarm computes, for a key (a
 * file's or a chunk's hash), the same weight per member and so agrees, without talking, on which
 * member "owns" the key. In a new swarm, each visitor fetches the keys it owns from the origin
 * first and the others later, from the peers that own them, instead of everyone fetching the same
 * thing from the origin at once. When a member leaves, only its keys move (to their next-highest
 * member); the rest stay put.
 *
 * The weight is a 32-bit FNV-1a hash of key and member, finished with MurmurHash3's fmix32 for
 * avalanche. Not cryptographic: a peer that picks its id to own more keys gains nothing but work.
 */

export function rendezvousWeight(key: string, member: string): number {
  return hash32(`${key}\u0000${member}`);
}

/**
 * The 32-bit FNV-1a + fmix32 hash behind rendezvousWeight, with a seed folded into FNV's offset
 * basis (seed 0: rendezvousWeight's own). Exported so that other fixed-by-a-string draws (the
 * swarm simulator's) use this one copy rather than a second loop.
 */
export function hash32(text: string, seed = 0): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The member that owns `key` (highest weight; ties by member id), or undefined for no members. */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let owner: string | undefined;
  let best = -1;
  for (const member of members) {
    const w = rendezvousWeight(key, member);
    if (w > best || (w === best && owner !== undefined && member < owner)) [owner, best] = [member, w];
  }
  return owner;
}
