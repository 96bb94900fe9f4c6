/**
 * Per-address limits (security invariant 8), counted under client-address.ts's keys: open
 * WebSocket connections, and one token bucket (core/token-bucket.ts) of requests. Every WebSocket
 * upgrade, every WebSocket message and every HTTP request to PeerServer or the swarm route costs
 * one token; one that finds the bucket empty is refused, and a refusal costs nothing, so a client
 * gets in again as soon as the refill allows.
 *
 * The interface is synchronous on purpose: the node decides on every message before PeerServer
 * sees it. This implementation keeps state in memory, for one node. A shared backend (several
 * nodes, e.g. Redis) would implement the same interface with local buckets that it reconciles
 * in the background.
 */
import { type BucketClock, TokenBucket } from '../core/token-bucket.js';

export interface AddressLimits {
  /** Takes one request token for `key`; false when its bucket is empty. */
  take(key: string): boolean;
  /** Counts one more open connection for `key`; false (and nothing counted) at the cap. */
  tryConnect(key: string): boolean;
  /** One connection of `key` closed. */
  disconnected(key: string): void;
  /** Addresses remembered now (open connections, or a bucket still refilling). */
  readonly size: number;
}

export interface AddressLimitOptions {
  readonly maxConnectionsPerAddress: number;
  /** Requests per second per address, sustained. */
  readonly messageRate: number;
  /** Requests an address may send at once (the bucket's capacity). */
  readonly messageBurst: number;
  readonly clock: BucketClock;
}

export const nodeClock: BucketClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Entry {
  connections: number;
  readonly bucket: TokenBucket;
}

export class MemoryAddressLimits implements AddressLimits {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly options: AddressLimitOptions) {}

  take(key: string): boolean {
    return this.#entry(key).bucket.tryTake(1);
  }

  tryConnect(key: string): boolean {
    const entry = this.#entry(key);
    if (entry.connections >= this.options.maxConnectionsPerAddress) return false;
    entry.connections += 1;
    return true;
  }

  disconnected(key: string): void {
    const entry = this.#entries.get(key);
    if (entry && entry.connections > 0) entry.connections -= 1;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Forgets addresses with no open connection whose bucket is full again: nothing about them is
   * left to remember. Forgetting earlier would hand a reconnecting flooder a fresh burst.
   * Returns how many were forgotten. The node calls it on a timer.
   */
  sweep(): number {
    let forgotten = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.connections === 0 && entry.bucket.available >= entry.bucket.capacity) {
        this.#entries.delete(key);
        forgotten += 1;
      }
    }
    return forgotten;
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      const { messageBurst, messageRate, clock } = this.options;
      entry = { connections: 0, bucket: new TokenBucket({ capacity: messageBurst, ratePerSec: messageRate, clock }) };
      this.#entries.set(key, entry);
    }
    return entry;
  }
}
