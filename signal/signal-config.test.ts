import { describe, expect, it } from 'vitest';
import { isDeployNetError } from '../core/errors.js';
import { MAX_SWARM_ANSWER } from '../core/swarm.js';
import { resolveSignalConfig } from './signal-config.js';

function badConfig(value: unknown): unknown {
  try {
    resolveSignalConfig(value);
  } catch (e) {
    return e;
  }
  throw new Error('expected resolveSignalConfig to throw');
}

describe('resolveSignalConfig', () => {
  it('fills in defaults', () => {
    const c = resolveSignalConfig({});
    expect(c).toMatchObject({ port: 9000, host: '127.0.0.1', maxSwarmAnswer: MAX_SWARM_ANSWER });
    expect(() => c.log({ event: 'x' })).not.toThrow();
    expect(resolveSignalConfig()).toMatchObject({ port: 9000 });
  });

  it('keeps valid values, including port 0 and IPv6 hosts', () => {
    const entries: unknown[] = [];
    const c = resolveSignalConfig({ port: 0, host: '::1', maxSwarmAnswer: 3, log: (e: unknown) => entries.push(e) });
    expect(c).toMatchObject({ port: 0, host: '::1', maxSwarmAnswer: 3 });
    c.log({ event: 'hello' });
    expect(entries).toEqual([{ event: 'hello' }]);
  });

  it.each([
    ['not an object', 'port=1'],
    ['a port above 65535', { port: 65_536 }],
    ['a negative port', { port: -1 }],
    ['a fractional port', { port: 1.5 }],
    ['a port as a string', { port: '9000' }],
    ['a host with a scheme', { host: 'http://localhost' }],
    ['a host with spaces', { host: 'local host' }],
    ['an empty host', { host: '' }],
    ['maxSwarmAnswer above the protocol cap', { maxSwarmAnswer: MAX_SWARM_ANSWER + 1 }],
    ['a log that is not a function', { log: 'console' }],
  ])('refuses %s with BAD_CONFIG', (_name, value) => {
    expect(isDeployNetError(badConfig(value), 'BAD_CONFIG')).toBe(true);
  });

  it('swallows errors thrown by the log function', () => {
    const c = resolveSignalConfig({
      log: () => {
        throw new Error('boom');
      },
    });
    expect(() => c.log({ event: 'x' })).not.toThrow();
  });
});
