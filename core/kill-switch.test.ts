import { describe, expect, it } from 'vitest';
import { CONTENT_CACHE } from './manifest.js';
import { isDeployNetCacheName, queryHasKillSwitch, queryWithoutKillSwitch } from './kill-switch.js';

describe('queryHasKillSwitch', () => {
  it.each([
    ['?deploynet=off', true],
    ['deploynet=off', true],
    ['?a=1&deploynet=OFF', true],
    ['?deploynet=%20off%20', true],
    ['?deploynet=on&deploynet=off', true],
    ['?deploynet=on', false],
    ['?deploynet', false],
    ['?xdeploynet=off', false],
    ['?deploynet=offline', false],
    ['', false],
    ['?%E0%A4%A=off', false],
  ])('%s → %s', (search, expected) => {
    expect(queryHasKillSwitch(search)).toBe(expected);
  });
});

describe('queryWithoutKillSwitch', () => {
  it('drops every deploynet parameter and keeps the others as written', () => {
    expect(queryWithoutKillSwitch('?a=1&deploynet=off&b=x%20y')).toBe('?a=1&b=x%20y');
    expect(queryWithoutKillSwitch('?deploynet=off')).toBe('');
    expect(queryWithoutKillSwitch('?deploynet=off&deploynet=on')).toBe('');
    expect(queryWithoutKillSwitch('')).toBe('');
  });
});

describe('isDeployNetCacheName', () => {
  it('knows DeployNet caches and nothing else', () => {
    expect(isDeployNetCacheName(CONTENT_CACHE)).toBe(true);
    expect(isDeployNetCacheName('deploynet-meta-v1')).toBe(true);
    expect(isDeployNetCacheName('deploynet-later-v2')).toBe(true);
    expect(isDeployNetCacheName('workbox-precache-v2')).toBe(false);
    expect(isDeployNetCacheName('my-deploynet')).toBe(false);
  });
});
