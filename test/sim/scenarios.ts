/**
 * The named scenarios of `npm run simulate -- <name>`. Defaults describe a broadband audience:
 * last-mile round trips around 40 ms, uplinks around 1.5 MB/s and downlinks around 6 MB/s
 * (log-normal, wide), sessions around three minutes (log-normal: many short, a few long), a
 * fifth of visitors returning with the site cached, one failed WebRTC connection in ten, an
 * upload limit of 500 kB/s per visitor, and the example site's gallery page (7.5 MB of 8.5 MB).
 */
import type { Scenario } from './simulator.js';
import type { SimSettings } from './world.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

export const DEFAULT_SETTINGS: SimSettings = {
  peerTimeoutMs: 2500,
  maxPeers: 4,
  uploadRateBytesPerSec: 500_000,
  failedConnectionShare: 0.1,
  signalOneWayMs: 10,
  originRttMs: 80,
  fill: true,
};

const base: Omit<Scenario, 'name' | 'description' | 'visitors'> = {
  durationMs: HOUR,
  arrivals: { kind: 'steady' },
  session: { kind: 'logNormal', median: 3 * MINUTE, sigma: 1, min: 10_000, max: HOUR },
  rttMs: { kind: 'logNormal', median: 40, sigma: 0.5, min: 5, max: 400 },
  upBytesPerSec: { kind: 'logNormal', median: 1_500_000, sigma: 0.8, min: 100_000, max: 50_000_000 },
  downBytesPerSec: { kind: 'logNormal', median: 6_000_000, sigma: 0.7, min: 500_000, max: 100_000_000 },
  maliciousShare: 0,
  returningShare: 0.2,
  nodes: 1,
  originBytesPerSec: Infinity,
  settings: DEFAULT_SETTINGS,
  bucketMs: MINUTE,
  seed: 8,
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  '1k-steady': { ...base, name: '1k-steady', description: '1,000 visitors over an hour, steady Poisson arrivals, one signal node', visitors: 1000 },
  '10k-flash-crowd': {
    ...base,
    name: '10k-flash-crowd',
    description: '10,000 visitors in an hour, 80% of them in a burst from minute 5 (mean 3 min), two signal nodes',
    visitors: 10_000,
    arrivals: { kind: 'flash', atMs: 5 * MINUTE, meanMs: 3 * MINUTE, share: 0.8 },
    nodes: 2,
  },
  '100k-steady-20pct-failed': {
    ...base,
    name: '100k-steady-20pct-failed',
    description: '100,000 visitors over an hour, steady, 20% of WebRTC connections fail, four signal nodes',
    visitors: 100_000,
    nodes: 4,
    settings: { ...DEFAULT_SETTINGS, failedConnectionShare: 0.2 },
  },
  '5pct-malicious': {
    ...base,
    name: '5pct-malicious',
    description: '2,000 visitors over an hour, 5% malicious (announce everything, send corrupt chunks)',
    visitors: 2000,
    maliciousShare: 0.05,
  },
  'reality-check': {
    ...base,
    name: 'reality-check',
    description: "4 first-time visitors one after another, the example site's gallery, origin at 2 MB/s behind 80 ms (as npm run bench:offload)",
    visitors: 4,
    durationMs: 10 * MINUTE,
    arrivals: { kind: 'sequential', gapMs: 6000 },
    session: { kind: 'fixed', value: 10 * MINUTE },
    // Loopback inside one machine: the peers' links are fast; the WAN is the origin's.
    rttMs: { kind: 'fixed', value: 1 },
    upBytesPerSec: { kind: 'fixed', value: 50_000_000 },
    downBytesPerSec: { kind: 'fixed', value: 50_000_000 },
    returningShare: 0,
    originBytesPerSec: 2_000_000,
    settings: { ...DEFAULT_SETTINGS, failedConnectionShare: 0, uploadRateBytesPerSec: 0, originRttMs: 80, signalOneWayMs: 0 },
    bucketMs: 10_000,
  },
};
