/**
 * PeerScores on plain numbers (no clock): speed estimates from measured chunks, exponential
 * backoff, and the circuit breaker's closed → open → half-open (one probe) → closed/open cycle.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORE_OPTIONS, PeerScores } from './peer-scores.js';

const KiB = 1024;
const options = { backoffBaseMs: 100, backoffMaxMs: 1_000, breakerThreshold: 3 };

/** Fails `peer` `n` times in a row at `now`. */
function failTimes(scores: PeerScores, peer: string, n: number, now: number): void {
  for (let i = 0; i < n; i++) scores.failed(peer, now);
}

describe('PeerScores estimates', () => {
  it('estimates 0 for peers never measured, known or not, so each gets tried', () => {
    const scores = new PeerScores();
    expect(scores.estimateMs('stranger', 256 * KiB, 0)).toBe(0);
    expect(scores.estimateMs('stranger', 256 * KiB, 3)).toBe(0);
    scores.failed('failed-once', 0); // a failure measures no speed
    expect(scores.estimateMs('failed-once', 256 * KiB, 0)).toBe(0);
  });

  it('estimates lower for the faster measured peer', () => {
    const scores = new PeerScores();
    scores.succeeded('fast', 64 * KiB, 20, 5, 1);
    scores.succeeded('slow', 64 * KiB, 200, 5, 1);
    const fast = scores.estimateMs('fast', 64 * KiB, 0);
    const slow = scores.estimateMs('slow', 64 * KiB, 0);
    expect(fast).toBeGreaterThan(0);
    expect(fast).toBeLessThan(slow);
    // A measured peer still loses to an unmeasured one (0): new peers get a chance.
    expect(scores.estimateMs('new', 64 * KiB, 0)).toBeLessThan(fast);
  });

  it('a chunk that shared the link counts as faster than one that had it alone', () => {
    const scores = new PeerScores();
    scores.succeeded('alone', 64 * KiB, 100, 0, 1);
    scores.succeeded('shared', 64 * KiB, 100, 0, 4);
    expect(scores.estimateMs('shared', 64 * KiB, 0)).toBeLessThan(scores.estimateMs('alone', 64 * KiB, 0));
  });

  it('load (chunks already in flight) raises the estimate', () => {
    const scores = new PeerScores();
    scores.succeeded('p', 64 * KiB, 50, 10, 1);
    const idle = scores.estimateMs('p', 64 * KiB, 0);
    const two = scores.estimateMs('p', 64 * KiB, 2);
    expect(two).toBeGreaterThan(idle);
    expect(scores.estimateMs('p', 64 * KiB, 3)).toBeGreaterThan(two);
    // Bigger chunks take longer too.
    expect(scores.estimateMs('p', 128 * KiB, 0)).toBeGreaterThan(idle);
  });

  it('the moving average follows a peer that gets slower, without jumping to the last sample', () => {
    const scores = new PeerScores();
    scores.succeeded('p', 64 * KiB, 20, 0, 1);
    const before = scores.estimateMs('p', 64 * KiB, 0);
    scores.succeeded('p', 64 * KiB, 200, 0, 1);
    const after = scores.estimateMs('p', 64 * KiB, 0);
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThan(200);
  });
});

describe('PeerScores backoff', () => {
  it('a peer never seen, or only seen succeeding, is usable and needs no waiting', () => {
    const scores = new PeerScores(options);
    expect(scores.usable('p', 0)).toBe(true);
    expect(scores.retryAt('p', 1234)).toBe(1234);
    scores.succeeded('p', 1000, 10, 1, 1);
    expect(scores.usable('p', 0)).toBe(true);
    expect(scores.breaker('p', 0)).toBe('closed');
  });

  it('doubles with each failure in a row and stops at backoffMaxMs', () => {
    const scores = new PeerScores(options);
    const now = 10_000;
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      scores.failed('p', now);
      waits.push(scores.retryAt('p', now) - now);
    }
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('a peer in backoff is not usable until its backoff ends', () => {
    const scores = new PeerScores(options);
    scores.failed('p', 1000);
    expect(scores.breaker('p', 1000)).toBe('closed'); // one failure: backoff, breaker still closed
    expect(scores.usable('p', 1000)).toBe(false);
    expect(scores.usable('p', 1099)).toBe(false);
    expect(scores.usable('p', 1100)).toBe(true);
    expect(scores.retryAt('p', 1050)).toBe(1100);
    expect(scores.retryAt('p', 5000)).toBe(5000); // never in the past
  });

  it('a success forgets the failures: the next failure backs off from the base again', () => {
    const scores = new PeerScores(options);
    failTimes(scores, 'p', 2, 0);
    scores.succeeded('p', 1000, 10, 1, 1);
    expect(scores.usable('p', 0)).toBe(true);
    scores.failed('p', 0);
    expect(scores.retryAt('p', 0)).toBe(100);
  });

  it('peers are scored independently', () => {
    const scores = new PeerScores(options);
    failTimes(scores, 'bad', 5, 0);
    expect(scores.usable('good', 0)).toBe(true);
    expect(scores.breaker('good', 0)).toBe('closed');
  });

  it('the defaults back off from 250 ms and open after 3 failures', () => {
    expect(DEFAULT_SCORE_OPTIONS).toEqual({ backoffBaseMs: 250, backoffMaxMs: 30_000, breakerThreshold: 3 });
    const scores = new PeerScores();
    scores.failed('p', 0);
    expect(scores.retryAt('p', 0)).toBe(250);
  });
});

describe('PeerScores circuit breaker', () => {
  it('stays closed below the threshold and opens at it', () => {
    const scores = new PeerScores(options);
    failTimes(scores, 'p', 2, 0);
    expect(scores.breaker('p', 0)).toBe('closed');
    scores.failed('p', 0);
    expect(scores.breaker('p', 0)).toBe('open');
    expect(scores.usable('p', 0)).toBe(false);
  });

  it('turns half-open when the backoff ends, and allows exactly one probe at a time', () => {
    const scores = new PeerScores(options);
    failTimes(scores, 'p', 3, 0); // retryAt = 400
    expect(scores.breaker('p', 399)).toBe('open');
    expect(scores.usable('p', 399)).toBe(false);
    expect(scores.breaker('p', 400)).toBe('half-open');
    expect(scores.usable('p', 400)).toBe(true);
    scores.began('p', 400);
    expect(scores.usable('p', 400)).toBe(false);
    expect(scores.usable('p', 10_000)).toBe(false); // still one probe, however long it takes
    expect(scores.breaker('p', 400)).toBe('half-open');
  });

  it('a successful probe closes the breaker', () => {
    const scores = new PeerScores(options);
    failTimes(scores, 'p', 3, 0);
    scores.began('p', 400);
    scores.succeeded('p', 1000, 10, 1, 1);
    expect(scores.breaker('p', 400)).toBe('closed');
    expect(scores.usable('p', 400)).toBe(true);
    scores.began('p', 400); // closed: no probe limit
    expect(scores.usable('p', 400)).toBe(true);
  });

  it('a failed probe opens it again for twice as long', () => {
    const scores = new PeerScores(options);
    failTimes(scores, 'p', 3, 0); // 400 ms
    scores.began('p', 400);
    scores.failed('p', 400); // 4th failure: 800 ms
    expect(scores.breaker('p', 400)).toBe('open');
    expect(scores.usable('p', 1199)).toBe(false);
    expect(scores.breaker('p', 1200)).toBe('half-open');
    expect(scores.usable('p', 1200)).toBe(true); // the failed probe no longer counts as one in flight
  });

  it('a probe that ends without a verdict (ended) lets the next probe through, still half-open', () => {
    const scores = new PeerScores(options);
    failTimes(scores, 'p', 3, 0);
    scores.began('p', 400);
    expect(scores.usable('p', 400)).toBe(false);
    scores.ended('p');
    expect(scores.breaker('p', 400)).toBe('half-open');
    expect(scores.usable('p', 400)).toBe(true);
    scores.ended('never-seen'); // harmless
    expect(scores.usable('never-seen', 0)).toBe(true);
  });

  it('began on a closed peer does not limit it to one chunk', () => {
    const scores = new PeerScores(options);
    scores.began('p', 0);
    scores.began('p', 0);
    expect(scores.usable('p', 0)).toBe(true);
  });
});
