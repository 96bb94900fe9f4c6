/**
 * A seeded random number generator (mulberry32) with the few distributions the simulator draws
 * from. Seeded: a scenario run twice gives the same figures, so tests can assert on them.
 */
import { hash32 } from '../../core/rendezvous.js';

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with this mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with this median; sigma is the spread of its logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

/** A distribution a scenario names: drawn per visitor. */
export type Distribution =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'logNormal'; readonly median: number; readonly sigma: number; readonly min?: number; readonly max?: number }
  | { readonly kind: 'exponential'; readonly mean: number; readonly min?: number; readonly max?: number };

export function draw(rng: Rng, d: Distribution): number {
  if (d.kind === 'fixed') return d.value;
  const v = d.kind === 'logNormal' ? rng.logNormal(d.median, d.sigma) : rng.exponential(d.mean);
  return Math.min(d.max ?? Infinity, Math.max(d.min ?? 0, v));
}

/** A uniform number in [0, 1) fixed by a string (core/rendezvous.ts's hash): the same pair of peers always gets the same draw. */
export function hashUnit(text: string, seed: number): number {
  return hash32(text, seed) / 4_294_967_296;
}
