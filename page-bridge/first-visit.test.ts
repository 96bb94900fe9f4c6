import { describe, expect, it, vi } from 'vitest';
import { registerServiceWorker } from './first-visit.js';

/** A ServiceWorkerContainer whose register() succeeds (or fails) and then takes control (or not). */
function container(options: { controlled?: boolean; registerFails?: boolean; takesControl?: boolean } = {}) {
  const listeners: Array<() => void> = [];
  let controller: object | null = options.controlled ? {} : null;
  const fake = {
    get controller() {
      return controller;
    },
    async register() {
      if (options.registerFails) throw new Error('SecurityError');
      if (options.takesControl !== false && !controller) {
        setTimeout(() => {
          controller = {};
          for (const l of listeners.splice(0)) l();
        }, 1);
      }
      return {};
    },
    addEventListener(_type: string, listener: () => void) {
      listeners.push(listener);
    },
  };
  return fake as unknown as ServiceWorkerContainer;
}

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
  } as unknown as Storage;
}

function calls() {
  const log: string[] = [];
  return { log, reload: () => log.push('reload'), stop: () => log.push('stop') };
}

describe('registerServiceWorker', () => {
  it('a first visit stops the uncontrolled page at once, then reloads once controlled', async () => {
    const c = calls();
    const pending = registerServiceWorker(container(), 'reload', memoryStorage(), c.reload, c.stop);
    expect(c.log).toEqual(['stop']); // before any await: the page's own downloads stop first
    expect(await pending).toBe('reloading');
    expect(c.log).toEqual(['stop', 'reload']);
  });

  it('stops and reloads at most once per tab session', async () => {
    const storage = memoryStorage();
    const first = calls();
    await registerServiceWorker(container(), 'reload', storage, first.reload, first.stop);
    const again = calls();
    expect(await registerServiceWorker(container(), 'reload', storage, again.reload, again.stop)).toBe('controlled');
    expect(again.log).toEqual([]);
  });

  it('a stopped first visit comes back even when registration fails', async () => {
    const c = calls();
    expect(await registerServiceWorker(container({ registerFails: true }), 'reload', memoryStorage(), c.reload, c.stop)).toBe('reloading');
    expect(c.log).toEqual(['stop', 'reload']);
  });

  it('a page already controlled, firstVisit none, or no session storage: no stop, no reload', async () => {
    for (const [ctr, mode, storage] of [
      [container({ controlled: true }), 'reload', memoryStorage()],
      [container(), 'none', memoryStorage()],
      [container(), 'reload', null],
    ] as const) {
      const c = calls();
      expect(await registerServiceWorker(ctr, mode, storage, c.reload, c.stop)).toBe('controlled');
      expect(c.log).toEqual([]);
    }
  });

  it('storage that throws counts as none: no reload loop', async () => {
    const throwing = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } } as unknown as Storage;
    const c = calls();
    expect(await registerServiceWorker(container(), 'reload', throwing, c.reload, c.stop)).toBe('controlled');
    expect(c.log).toEqual([]);
  });
});

/** The site registers its own worker (embed mode): control comes (or not) without DeployNet registering anything. */
function siteContainer(takesControl: boolean) {
  const listeners: Array<() => void> = [];
  let controller: object | null = null;
  let registered = 0;
  if (takesControl) {
    setTimeout(() => {
      controller = {};
      for (const l of listeners.splice(0)) l();
    }, 1);
  }
  const fake = {
    get controller() {
      return controller;
    },
    async register() {
      registered++;
      return {};
    },
    addEventListener(_type: string, listener: () => void) {
      listeners.push(listener);
    },
  };
  return { container: fake as unknown as ServiceWorkerContainer, registered: () => registered };
}

describe('registerServiceWorker with the site\'s own worker', () => {
  it('registers nothing, never stops the page, and reloads once the site\'s worker controls it', async () => {
    const site = siteContainer(true);
    const c = calls();
    expect(await registerServiceWorker(site.container, 'reload', memoryStorage(), c.reload, c.stop, 'site')).toBe('reloading');
    expect(c.log).toEqual(['reload']);
    expect(site.registered()).toBe(0);
  });

  it('without firstVisit reload: controlled, no reload', async () => {
    const site = siteContainer(true);
    const c = calls();
    expect(await registerServiceWorker(site.container, 'none', memoryStorage(), c.reload, c.stop, 'site')).toBe('controlled');
    expect(c.log).toEqual([]);
    expect(site.registered()).toBe(0);
  });

  it('a site worker that never takes control: the bridge stays off, and nothing stopped needs a reload', async () => {
    vi.useFakeTimers();
    try {
      const site = siteContainer(false);
      const c = calls();
      const pending = registerServiceWorker(site.container, 'reload', memoryStorage(), c.reload, c.stop, 'site');
      await vi.runAllTimersAsync();
      expect(await pending).toBe('unavailable');
      expect(c.log).toEqual([]);
      expect(site.registered()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
