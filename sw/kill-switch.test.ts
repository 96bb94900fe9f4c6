import { describe, expect, it } from 'vitest';
import { CONTENT_CACHE } from '../core/index.js';
import { KillSwitch, SWEEP_INTERVAL_MS, clearDeployNetCaches, hasKillSwitchParam, isDeployNetCacheName, isKillSwitchNavigation } from './kill-switch.js';

const origin = 'https://site.example';
const nav = (url: string, mode = 'navigate') => ({ mode, url, origin });

/** An in-memory CacheStorage with just what the kill switch uses. */
function fakeCaches(names: string[]): CacheStorage & { names: string[] } {
  const store = {
    names: [...names],
    async keys() {
      return [...store.names];
    },
    async delete(name: string) {
      const had = store.names.includes(name);
      store.names = store.names.filter((n) => n !== name);
      return had;
    },
  };
  return store as unknown as CacheStorage & { names: string[] };
}

describe('kill switch URL rule', () => {
  it('finds deploynet=off in the query, in any case and among other parameters', () => {
    expect(hasKillSwitchParam(`${origin}/?deploynet=off`)).toBe(true);
    expect(hasKillSwitchParam(`${origin}/a/b.html?x=1&deploynet=OFF#top`)).toBe(true);
    expect(hasKillSwitchParam(new URL(`${origin}/?deploynet=on&deploynet=off`))).toBe(true);
    expect(hasKillSwitchParam(`${origin}/?deploynet=on`)).toBe(false);
    expect(hasKillSwitchParam(`${origin}/?deploynet`)).toBe(false);
    expect(hasKillSwitchParam(`${origin}/?xdeploynet=off`)).toBe(false);
    expect(hasKillSwitchParam(`${origin}/deploynet=off`)).toBe(false);
    expect(hasKillSwitchParam(`${origin}/#deploynet=off`)).toBe(false);
    expect(hasKillSwitchParam('not a url')).toBe(false);
  });

  it('turns only on same-origin navigations', () => {
    expect(isKillSwitchNavigation(nav(`${origin}/?deploynet=off`))).toBe(true);
    expect(isKillSwitchNavigation(nav(`${origin}/css/site.css?deploynet=off`, 'no-cors'))).toBe(false);
    expect(isKillSwitchNavigation(nav(`${origin}/?deploynet=off`, 'cors'))).toBe(false);
    expect(isKillSwitchNavigation(nav('https://other.example/?deploynet=off'))).toBe(false);
    expect(isKillSwitchNavigation(nav(`${origin}/`))).toBe(false);
  });

  it('names DeployNet caches by prefix, core names included', () => {
    expect(isDeployNetCacheName(CONTENT_CACHE)).toBe(true);
    expect(isDeployNetCacheName('deploynet-meta-v1')).toBe(true);
    expect(isDeployNetCacheName('deploynet-anything-v9')).toBe(true);
    expect(isDeployNetCacheName('workbox-precache')).toBe(false);
    expect(isDeployNetCacheName('my-deploynet-cache')).toBe(false);
  });
});

describe('KillSwitch', () => {
  it('passes a kill navigation through, unregisters once, clears only DeployNet caches, then passes everything', async () => {
    const caches = fakeCaches([CONTENT_CACHE, 'deploynet-meta-v1', 'deploynet-x', 'site-own']);
    let unregistered = 0;
    const ks = new KillSwitch({ caches, unregister: async () => (unregistered++, true), sleep: async () => undefined });
    const work: Array<Promise<unknown>> = [];
    expect(ks.passThrough(nav(`${origin}/`), (w) => work.push(w))).toBe(false);
    expect(work).toHaveLength(0);

    expect(ks.passThrough(nav(`${origin}/?deploynet=off`), (w) => work.push(w))).toBe(true);
    expect(ks.engaged).toBe(true);
    expect(ks.passThrough(nav(`${origin}/css/site.css`, 'no-cors'), (w) => work.push(w))).toBe(true);
    expect(ks.passThrough(nav(`${origin}/?deploynet=off`), (w) => work.push(w))).toBe(true);
    await Promise.all(work);
    expect(unregistered).toBe(1);
    expect(caches.names).toEqual(['site-own']);
  });

  it('sweeps again when a request that was in flight writes the cache after the switch turned', async () => {
    const caches = fakeCaches([CONTENT_CACHE]);
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      if (sleeps.length === 1) caches.names.push(CONTENT_CACHE); // a late put re-creates it
    };
    await new KillSwitch({ caches, unregister: async () => true, sleep }).engage();
    expect(caches.names).toEqual([]);
    expect(sleeps).toEqual([SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS]);
  });

  it('still clears the caches when unregister fails', async () => {
    const caches = fakeCaches([CONTENT_CACHE]);
    const ks = new KillSwitch({ caches, unregister: () => Promise.reject(new Error('nope')), sleep: async () => undefined });
    await ks.engage();
    expect(caches.names).toEqual([]);
    expect(await clearDeployNetCaches(fakeCaches(['a', 'deploynet-b']))).toEqual(['deploynet-b']);
  });
});
