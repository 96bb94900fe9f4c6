import { describe, expect, it } from 'vitest';
import { SignalMetrics } from './metrics.js';
import { SIGNAL_REJECTION_CODES } from './rejections.js';

const GAUGES = { peers: 0, swarms: 0, addresses: 0, draining: false };

describe('SignalMetrics', () => {
  it('renders gauges and counters in Prometheus text format', () => {
    const m = new SignalMetrics();
    const empty = m.render(GAUGES);
    expect(empty.endsWith('\n')).toBe(true);
    expect(empty).toContain('deploynet_signal_joins_total 0\n');
    expect(empty).toContain('deploynet_signal_rejections_total{code="SIGNAL_RATE_LIMITED"} 0\n');
    expect(empty).toContain('deploynet_signal_relayed_total{type="OFFER"} 0\n');

    m.countJoin();
    m.countJoin();
    m.countConnection();
    m.countRelay('OFFER');
    m.countRelay('CANDIDATE');
    m.countRelay('CANDIDATE');
    m.countRejection('SIGNAL_UNAUTHORIZED');
    m.countRejection('SIGNAL_BAD_REQUEST');
    m.countRejection('SIGNAL_BAD_REQUEST');
    m.countRejection('INTERNAL');
    const text = m.render({ peers: 7, swarms: 3, addresses: 5, draining: true });
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '# TYPE deploynet_signal_peers gauge',
        'deploynet_signal_peers 7',
        '# TYPE deploynet_signal_swarms gauge',
        'deploynet_signal_swarms 3',
        'deploynet_signal_addresses 5',
        'deploynet_signal_draining 1',
        '# TYPE deploynet_signal_connections_total counter',
        'deploynet_signal_connections_total 1',
        '# TYPE deploynet_signal_relayed_total counter',
        'deploynet_signal_relayed_total{type="OFFER"} 1',
        'deploynet_signal_relayed_total{type="CANDIDATE"} 2',
        'deploynet_signal_relayed_total{type="ANSWER"} 0',
        '# TYPE deploynet_signal_joins_total counter',
        'deploynet_signal_joins_total 2',
        '# TYPE deploynet_signal_rejections_total counter',
        'deploynet_signal_rejections_total{code="SIGNAL_BAD_REQUEST"} 2',
        'deploynet_signal_rejections_total{code="SIGNAL_UNAUTHORIZED"} 1',
        'deploynet_signal_rejections_total{code="INTERNAL"} 1',
      ]),
    );
    expect(m.joins).toBe(2);
    expect(m.rejections('SIGNAL_BAD_REQUEST')).toBe(2);
    expect(m.rejections('SIGNAL_ORIGIN_REFUSED')).toBe(0);
    expect(m.relayed('CANDIDATE')).toBe(2);
  });

  it('every sample line is `name[{label="value"}] number` and every metric has HELP and TYPE', () => {
    const m = new SignalMetrics();
    m.countRejection('INTERNAL');
    const lines = m.render({ ...GAUGES, peers: 1, swarms: 1 }).trimEnd().split('\n');
    const samples = lines.filter((l) => !l.startsWith('#'));
    for (const line of samples) expect(line).toMatch(/^[a-z_]+(\{(code|type)="[A-Z_]+"\})? \d+$/);
    const names = [
      'deploynet_signal_peers',
      'deploynet_signal_swarms',
      'deploynet_signal_addresses',
      'deploynet_signal_draining',
      'deploynet_signal_connections_total',
      'deploynet_signal_relayed_total',
      'deploynet_signal_joins_total',
      'deploynet_signal_rejections_total',
    ];
    for (const name of names) {
      expect(lines).toContain(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`);
      expect(lines.some((l) => l.startsWith(`# HELP ${name} `))).toBe(true);
    }
    for (const code of SIGNAL_REJECTION_CODES) expect(samples).toContain(`deploynet_signal_rejections_total{code="${code}"} 0`);
  });

  it('renders the Redis families only with --redis', () => {
    const m = new SignalMetrics();
    expect(m.render(GAUGES)).not.toContain('deploynet_signal_redis_up');
    m.countCrossNode('sent');
    m.countCrossNode('received');
    m.countCrossNode('received');
    m.countRedisError();
    const lines = m.render({ ...GAUGES, redisUp: false }).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '# TYPE deploynet_signal_redis_up gauge',
        'deploynet_signal_redis_up 0',
        '# TYPE deploynet_signal_redis_errors_total counter',
        'deploynet_signal_redis_errors_total 1',
        '# TYPE deploynet_signal_cross_node_relayed_total counter',
        'deploynet_signal_cross_node_relayed_total{direction="received"} 2',
        'deploynet_signal_cross_node_relayed_total{direction="sent"} 1',
      ]),
    );
    expect(m.render({ ...GAUGES, redisUp: true })).toContain('deploynet_signal_redis_up 1\n');
  });
});
