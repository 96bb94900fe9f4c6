import { describe, expect, it } from 'vitest';
import { serverTimingValue } from '../core/index.js';
import { totalsFrom } from './page-stats.js';

const entry = (decodedBodySize: number, ...serverTiming: Array<{ name: string; description: string }>) => ({
  name: 'http://127.0.0.1:8080/css/site.css',
  decodedBodySize,
  serverTiming,
});
const deploynet = (description: string) => ({ name: 'deploynet', description });

describe('totalsFrom', () => {
  it('is all zeros for no entries', () => {
    expect(totalsFrom([])).toEqual({ bytes: { cache: 0, peer: 0, origin: 0 }, requests: { cache: 0, peer: 0, origin: 0 } });
  });

  it('sums bytes and counts requests by the deploynet Server-Timing description', () => {
    const totals = totalsFrom([
      entry(100, deploynet('cache')),
      entry(250, deploynet('peer')),
      entry(50, deploynet('peer')),
      entry(7, deploynet('origin')),
      entry(0, deploynet('origin')),
    ]);
    expect(totals).toEqual({ bytes: { cache: 100, peer: 300, origin: 7 }, requests: { cache: 1, peer: 2, origin: 2 } });
  });

  it('finds the deploynet timing among others', () => {
    const totals = totalsFrom([entry(10, { name: 'db', description: 'origin' }, deploynet('peer'), { name: 'cdn', description: 'cache' })]);
    expect(totals).toEqual({ bytes: { cache: 0, peer: 10, origin: 0 }, requests: { cache: 0, peer: 1, origin: 0 } });
  });

  it('ignores entries without a deploynet timing', () => {
    const totals = totalsFrom([entry(10), entry(20, { name: 'cdn', description: 'cache' }), entry(30, { name: 'DeployNet', description: 'peer' })]);
    expect(totals.requests).toEqual({ cache: 0, peer: 0, origin: 0 });
    expect(totals.bytes).toEqual({ cache: 0, peer: 0, origin: 0 });
  });

  it('ignores deploynet timings with an unknown description', () => {
    const totals = totalsFrom([entry(10, deploynet('')), entry(20, deploynet('Peer')), entry(30, deploynet('"peer"')), entry(40, deploynet('network'))]);
    expect(totals.requests).toEqual({ cache: 0, peer: 0, origin: 0 });
  });

  it('matches the Server-Timing value the service worker writes', () => {
    // Server-Timing: deploynet;desc="peer";dur=1.0 is exposed as { name: 'deploynet', description: 'peer' }.
    expect(serverTimingValue('peer', 1)).toBe('deploynet;desc="peer";dur=1.0');
    expect(totalsFrom([entry(5, deploynet('peer'))]).requests.peer).toBe(1);
  });

  it('leaves out the bridge\'s own fill-in requests', () => {
    const fill = { ...entry(500, deploynet('origin')), name: 'http://127.0.0.1:8080/about.html?deploynet-fill=1' };
    const totals = totalsFrom([entry(10, deploynet('peer')), fill]);
    expect(totals.bytes).toEqual({ cache: 0, peer: 10, origin: 0 });
    expect(totals.requests).toEqual({ cache: 0, peer: 1, origin: 0 });
  });
});
