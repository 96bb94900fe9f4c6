/**
 * Tiny seeded scenarios through the whole simulator (the real scheduler, holdings, scores, peer
 * selection, swarm registry and token buckets): properties that fail when the model or the code
 * under test misbehaves.
 */
import { describe, expect, it } from 'vitest';
import { chunkHashes } from '../../core/index.js';
import { summarize } from '../sim/report.js';
import { DEFAULT_SETTINGS } from '../sim/scenarios.js';
import { chunkBytes, isCorrupt, makeSite, simCrypto } from '../sim/site.js';
import { simulate, type Scenario } from '../sim/simulator.js';

const site = makeSite({ '/index.html': 3000, '/app.js': 40_000, '/big.bin': 1_200_000, '/extra.css': 9000 }, ['/index.html', '/app.js', '/big.bin']);
const SITE_BYTES = 3000 + 40_000 + 1_200_000 + 9000;

function scenario(overrides: Partial<Scenario>): Scenario {
  return {
    name: 'tiny',
    description: 'a unit-test scenario',
    visitors: 6,
    durationMs: 5 * 60_000,
    arrivals: { kind: 'sequential', gapMs: 5000 },
    session: { kind: 'fixed', value: 5 * 60_000 },
    rttMs: { kind: 'logNormal', median: 30, sigma: 0.4 },
    upBytesPerSec: { kind: 'fixed', value: 2_000_000 },
    downBytesPerSec: { kind: 'fixed', value: 5_000_000 },
    maliciousShare: 0,
    returningShare: 0,
    nodes: 1,
    originBytesPerSec: Infinity,
    settings: { ...DEFAULT_SETTINGS, failedConnectionShare: 0, uploadRateBytesPerSec: 0 },
    bucketMs: 10_000,
    seed: 42,
    ...overrides,
  };
}

async function run(s: Scenario) {
  const result = await simulate(s, site);
  expect(result.errors).toEqual([]);
  return summarize(s, result);
}

describe('simulated swarms', () => {
  it('gives the same figures for the same seed', async () => {
    const s = scenario({ visitors: 8, arrivals: { kind: 'steady' }, session: { kind: 'exponential', mean: 60_000 }, settings: { ...DEFAULT_SETTINGS, failedConnectionShare: 0.3 } });
    const [a, b] = [await run(s), await run(s)];
    expect(a.bytes).toEqual(b.bytes);
    expect(a.events).toBe(b.events);
    expect(a.pageLoadMs).toEqual(b.pageLoadMs);
  });

  it('offloads nothing when visitors open no peer links', async () => {
    const x = await run(scenario({ settings: { ...DEFAULT_SETTINGS, maxPeers: 0 } }));
    expect(x.bytes.peer).toBe(0);
    expect(x.offload).toBe(0);
    expect(x.bytes.origin).toBe(6 * SITE_BYTES);
  });

  it('when every WebRTC connection fails, dials time out and every page still loads, from the origin', async () => {
    const x = await run(scenario({ settings: { ...DEFAULT_SETTINGS, failedConnectionShare: 1 } }));
    expect(x.dials.opened).toBe(0);
    expect(x.dials.failed).toBeGreaterThan(0);
    expect(x.bytes.peer).toBe(0);
    expect(x.abandonedVisits).toBe(0);
    expect(x.pageLoadMs.origin.count).toBe(6);
  });

  it('peers too slow to send a first frame within peerTimeoutMs time out, and the origin serves the rest', async () => {
    // 64 KiB at 10 kB/s is 6.5 s: past the 2.5 s stall deadline, for every chunk but the smallest files'.
    const x = await run(scenario({ upBytesPerSec: { kind: 'fixed', value: 10_000 } }));
    expect(x.abandonedVisits).toBe(0);
    expect(x.filledVisitors).toBe(6);
    expect(x.bytes.origin).toBeGreaterThan(3 * SITE_BYTES);
    expect(x.originBytesBy['after-peers'] ?? 0).toBeGreaterThan(0);
  });

  it('with N honest visitors one after another, the origin serves close to one copy: offload near (N-1)/N', async () => {
    const n = 6;
    const x = await run(scenario({ visitors: n }));
    const ideal = (n - 1) / n;
    expect(x.abandonedVisits).toBe(0);
    expect(x.filledVisitors).toBe(n);
    expect(x.offload).toBeLessThanOrEqual(ideal + 1e-9);
    expect(x.offload).toBeGreaterThan(ideal - 0.03); // only the pages' navigations always come from the origin
    expect(x.pageLoadMs.peer.count).toBe(n - 1);
  });

  it('bans malicious peers and never serves one of their chunks; every honest visit still loads', async () => {
    const x = await run(scenario({ visitors: 30, maliciousShare: 0.3, arrivals: { kind: 'sequential', gapMs: 2000 }, durationMs: 10 * 60_000, session: { kind: 'fixed', value: 10 * 60_000 } }));
    expect(x.badChunksRejected).toBeGreaterThan(0);
    expect(x.bans).toBeGreaterThan(0);
    expect(x.badChunksServed).toBe(0);
    expect(x.abandonedVisits).toBe(0);
    const honest = x.pageLoadMs.peer.count + x.pageLoadMs.origin.count;
    expect(honest).toBe(x.filledVisitors);
    expect(honest).toBeGreaterThan(15);
  });

  it('never uploads more than the token bucket allows, where the same visitors unlimited upload more', async () => {
    const rate = 50_000;
    const sessionMs = 20_000;
    const busy = (uploadRateBytesPerSec: number) =>
      scenario({ visitors: 10, arrivals: { kind: 'sequential', gapMs: 300 }, session: { kind: 'fixed', value: sessionMs }, settings: { ...DEFAULT_SETTINGS, uploadRateBytesPerSec, failedConnectionShare: 0 } });
    const free = await run(busy(0));
    const limited = await run(busy(rate));
    const limit = 64 * 1024 + (rate * sessionMs) / 1000; // burst (one DATA frame at least) + rate x time online
    expect(free.uploads.bytes.max).toBeGreaterThan(limit); // without the bucket, the limit would be broken
    expect(limited.bytes.peer).toBeGreaterThan(0);
    expect(limited.uploads.overLimit).toBe(0);
    expect(limited.uploads.maxShareOfLimit).toBeLessThanOrEqual(1);
    expect(limited.uploads.bytes.max).toBeLessThanOrEqual(limit);
  });

  it('answers the verification path: honest bytes hash to their chunk id, corrupt ones do not', async () => {
    const file = site.manifest.files['/big.bin']!;
    const id = chunkHashes(file)[1]!;
    const honest = chunkBytes(id, 1000, false);
    const corrupt = chunkBytes(id, 1000, true);
    expect(Buffer.from(await simCrypto.sha256(honest)).toString('hex')).toBe(id);
    expect(Buffer.from(await simCrypto.sha256(corrupt)).toString('hex')).not.toBe(id);
    expect([isCorrupt(honest), isCorrupt(corrupt), isCorrupt(new Uint8Array(4))]).toEqual([false, true, true]);
  });
});
