/**
 * The page's token bucket: core/token-bucket.ts (pure, shared with the signal node) with the
 * browser's clock as the default, so `new TokenBucket({ capacity, ratePerSec })` keeps working.
 */
import { type BucketClock, TokenBucket as CoreTokenBucket, type TokenBucketOptions as CoreTokenBucketOptions } from '../core/token-bucket.js';

export type { BucketClock, RateLimiter } from '../core/token-bucket.js';

export interface TokenBucketOptions extends Omit<CoreTokenBucketOptions, 'clock'> {
  readonly clock?: BucketClock;
}

export const realClock: BucketClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class TokenBucket extends CoreTokenBucket {
  constructor(options: TokenBucketOptions) {
    super({ ...options, clock: options.clock ?? realClock });
  }
}
