import { describe, expect, it } from 'vitest';
import { SignalMetrics } from './metrics.js';

describe('SignalMetrics', () => {
  it('renders gauges and counters in Prometheus text format', () => {
    const m = new SignalMetrics();
    const empty = m.render({ peers: 0, swarms: 0 });
    expect(empty.endsWith('\n')).toBe(true);
    expect(empty).toContain('deploynet_signal_joins_total 0\n');
    expect(empty).not.toContain('deploynet_signal_rejections_total{');

    m.countJoin();
    m.countJoin();
    m.countRejection('SIGNAL_UNAUTHORIZED');
    m.countRejection('SIGNAL_BAD_REQUEST');
    m.countRejection('SIGNAL_BAD_REQUEST');
    const text = m.render({ peers: 7, swarms: 3 });
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '# TYPE deploynet_signal_peers gauge',
        'deploynet_signal_peers 7',
        '# TYPE deploynet_signal_swarms gauge',
        'deploynet_signal_swarms 3',
        '# TYPE deploynet_signal_joins_total counter',
        'deploynet_signal_joins_total 2',
        '# TYPE deploynet_signal_rejections_total counter',
        'deploynet_signal_rejections_total{code="SIGNAL_BAD_REQUEST"} 2',
        'deploynet_signal_rejections_total{code="SIGNAL_UNAUTHORIZED"} 1',
      ]),
    );
    expect(m.joins).toBe(2);
    expect(m.rejections('SIGNAL_BAD_REQUEST')).toBe(2);
    expect(m.rejections('INTERNAL')).toBe(0);
  });

  it('every sample line is `name[{labels}] number` and every metric has HELP and TYPE', () => {
    const m = new SignalMetrics();
    m.countRejection('INTERNAL');
    const lines = m.render({ peers: 1, swarms: 1 }).trimEnd().split('\n');
    const samples = lines.filter((l) => !l.startsWith('#'));
    for (const line of samples) expect(line).toMatch(/^[a-z_]+(\{code="[A-Z_]+"\})? \d+$/);
    for (const name of ['deploynet_signal_peers', 'deploynet_signal_swarms', 'deploynet_signal_joins_total', 'deploynet_signal_rejections_total']) {
      expect(lines).toContain(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`);
      expect(lines.some((l) => l.startsWith(`# HELP ${name} `))).toBe(true);
    }
  });
});
