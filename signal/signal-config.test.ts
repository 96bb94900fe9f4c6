import { describe, expect, it } from 'vitest';
import { isDeployNetError } from '../core/errors.js';
import { MAX_SWARM_ANSWER } from '../core/swarm.js';
import { SIGNAL_CONFIG_DEFAULTS, resolveSignalConfig } from './signal-config.js';
import type { SignalLogEntry } from './signal-log.js';

function badConfig(value: unknown): unknown {
  try {
    resolveSignalConfig(value);
  } catch (e) {
    return e;
  }
  throw new Error('expected resolveSignalConfig to throw');
}

const TOKEN = 'site-token-0123456789';

describe('resolveSignalConfig', () => {
  it('fills in defaults', () => {
    const c = resolveSignalConfig({});
    expect(c).toMatchObject({ ...SIGNAL_CONFIG_DEFAULTS, port: 9000, host: '127.0.0.1', maxSwarmAnswer: MAX_SWARM_ANSWER, allowedOrigins: '*', siteTokens: [], trustProxy: 0 });
    expect(() => c.log({ level: 'info', msg: 'x' })).not.toThrow();
    expect(typeof c.clock.now()).toBe('number');
    expect(resolveSignalConfig()).toMatchObject({ port: 9000 });
  });

  it('keeps valid values, including port 0 and IPv6 hosts', () => {
    const entries: unknown[] = [];
    const c = resolveSignalConfig({
      port: 0,
      host: '::1',
      maxSwarmAnswer: 3,
      log: (e: unknown) => entries.push(e),
      allowedOrigins: ['https://A.example/'],
      siteTokens: [TOKEN, TOKEN],
      trustProxy: 1,
      maxPeers: 10,
      maxConnectionsPerAddress: 2,
      messageRate: 5,
      messageBurst: 7,
      maxMessageBytes: 2048,
      drainTimeoutMs: 0,
    });
    expect(c).toMatchObject({ port: 0, host: '::1', maxSwarmAnswer: 3, allowedOrigins: ['https://a.example'], siteTokens: [TOKEN], trustProxy: 1 });
    expect(c).toMatchObject({ maxPeers: 10, maxConnectionsPerAddress: 2, messageRate: 5, messageBurst: 7, maxMessageBytes: 2048, drainTimeoutMs: 0 });
    c.log({ level: 'info', msg: 'hello' });
    expect(entries).toEqual([{ level: 'info', msg: 'hello' }]);
  });

  it('drops log entries below logLevel', () => {
    const entries: SignalLogEntry[] = [];
    const c = resolveSignalConfig({ logLevel: 'warn', log: (e: SignalLogEntry) => entries.push(e) });
    for (const level of ['debug', 'info', 'warn', 'error'] as const) c.log({ level, msg: level });
    expect(entries.map((e) => e.msg)).toEqual(['warn', 'error']);
    const silent: SignalLogEntry[] = [];
    resolveSignalConfig({ logLevel: 'silent', log: (e: SignalLogEntry) => silent.push(e) }).log({ level: 'error', msg: 'x' });
    expect(silent).toEqual([]);
  });

  it.each([
    ['not an object', 'port=1', undefined],
    ['a port above 65535', { port: 65_536 }, 'port'],
    ['a negative port', { port: -1 }, 'port'],
    ['a fractional port', { port: 1.5 }, 'port'],
    ['a port as a string', { port: '9000' }, 'port'],
    ['a host with a scheme', { host: 'http://localhost' }, 'host'],
    ['a host with spaces', { host: 'local host' }, 'host'],
    ['an empty host', { host: '' }, 'host'],
    ['maxSwarmAnswer above the protocol cap', { maxSwarmAnswer: MAX_SWARM_ANSWER + 1 }, 'maxSwarmAnswer'],
    ['a log that is not a function', { log: 'console' }, 'log'],
    ['an unknown log level', { logLevel: 'verbose' }, 'logLevel'],
    ['an origin with a path', { allowedOrigins: ['https://a.example/app'] }, 'allowedOrigins'],
    ['an empty origin list', { allowedOrigins: [] }, 'allowedOrigins'],
    ['a short site token', { siteTokens: ['short'] }, 'siteTokens'],
    ['a site token with a space', { siteTokens: ['site token 0123456789'] }, 'siteTokens'],
    ['site tokens as a string', { siteTokens: TOKEN }, 'siteTokens'],
    ['trustProxy above 10', { trustProxy: 11 }, 'trustProxy'],
    ['maxPeers 0', { maxPeers: 0 }, 'maxPeers'],
    ['maxConnectionsPerAddress 0', { maxConnectionsPerAddress: 0 }, 'maxConnectionsPerAddress'],
    ['messageRate 0', { messageRate: 0 }, 'messageRate'],
    ['messageBurst 0', { messageBurst: 0 }, 'messageBurst'],
    ['maxMessageBytes below 1 KiB', { maxMessageBytes: 1023 }, 'maxMessageBytes'],
    ['maxMessageBytes above 1 MiB', { maxMessageBytes: 1024 * 1024 + 1 }, 'maxMessageBytes'],
    ['a negative drainTimeoutMs', { drainTimeoutMs: -1 }, 'drainTimeoutMs'],
    ['a clock without sleep', { clock: { now: () => 0 } }, 'clock'],
    ['a Redis URL of another scheme', { redis: 'http://127.0.0.1:6379' }, 'redis'],
    ['a Redis URL without a host', { redis: 'redis://' }, 'redis'],
    ['a Redis address that is no URL', { redis: '127.0.0.1:6379' }, 'redis'],
    ['a Redis URL with a space', { redis: 'redis://a b' }, 'redis'],
    ['presenceTtlMs below 1 s', { presenceTtlMs: 999 }, 'presenceTtlMs'],
    ['pingIntervalMs below 100 ms', { pingIntervalMs: 99 }, 'pingIntervalMs'],
    ['pingIntervalMs above 10 min', { pingIntervalMs: 600_001 }, 'pingIntervalMs'],
  ])('refuses %s with BAD_CONFIG naming the field', (_name, value, field) => {
    const error = badConfig(value);
    expect(isDeployNetError(error, 'BAD_CONFIG')).toBe(true);
    if (field !== undefined) expect(error).toMatchObject({ details: { field } });
  });

  it('pings every 10 s by default, or as often as asked', () => {
    expect(resolveSignalConfig({}).pingIntervalMs).toBe(10_000);
    expect(resolveSignalConfig({ pingIntervalMs: 250 }).pingIntervalMs).toBe(250);
  });

  it('takes a redis:// or rediss:// URL and a presence TTL; no Redis by default', () => {
    expect(resolveSignalConfig({})).toMatchObject({ redis: undefined, presenceTtlMs: 30_000 });
    expect(resolveSignalConfig({ redis: 'redis://127.0.0.1:6380/2', presenceTtlMs: 2000 })).toMatchObject({ redis: 'redis://127.0.0.1:6380/2', presenceTtlMs: 2000 });
    expect(resolveSignalConfig({ redis: 'rediss://user:pw@redis.example:6380' }).redis).toBe('rediss://user:pw@redis.example:6380');
  });

  it('never repeats a Redis URL (it may carry a password) in its error', () => {
    const error = badConfig({ redis: 'http://user:hunter2@redis.example' });
    expect(String(error instanceof Error ? error.message : error)).not.toContain('hunter2');
  });

  it('never repeats a site token in its error', () => {
    const secret = 'not a valid token but secret';
    const error = badConfig({ siteTokens: [secret] });
    expect(String(error instanceof Error ? error.message : error)).not.toContain(secret);
  });

  it('swallows errors thrown by the log function', () => {
    const c = resolveSignalConfig({
      log: () => {
        throw new Error('boom');
      },
    });
    expect(() => c.log({ level: 'error', msg: 'x' })).not.toThrow();
  });
});
