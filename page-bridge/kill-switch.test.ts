import { describe, expect, it } from 'vitest';
import { decideKillSwitch, hasKillSwitchParam, isDeployNetRegistration, isOffBuild, teardown, withoutKillSwitchParam } from './kill-switch.js';

const origin = 'https://site.example';

function registration(scriptURL: string | null, log: string[]): ServiceWorkerRegistration {
  return {
    active: scriptURL === null ? null : { scriptURL },
    waiting: null,
    installing: null,
    unregister: async () => (log.push(`unregister ${scriptURL}`), true),
  } as unknown as ServiceWorkerRegistration;
}

describe('page kill switch', () => {
  it('reads the parameter like the service worker does', () => {
    expect(hasKillSwitchParam(`${origin}/?deploynet=off`)).toBe(true);
    expect(hasKillSwitchParam(`${origin}/p?a=1&deploynet=Off`)).toBe(true);
    expect(hasKillSwitchParam(`${origin}/?deploynet=on`)).toBe(false);
    expect(hasKillSwitchParam(`${origin}/#?deploynet=off`)).toBe(false);
  });

  it('removes only the deploynet parameter, keeping the others byte for byte and the hash', () => {
    expect(withoutKillSwitchParam(`${origin}/?deploynet=off`)).toBe(`${origin}/`);
    expect(withoutKillSwitchParam(`${origin}/a.html?deploynet=off#top`)).toBe(`${origin}/a.html#top`);
    expect(withoutKillSwitchParam(`${origin}/a?q=a%20b+c&deploynet=off&flag`)).toBe(`${origin}/a?q=a%20b+c&flag`);
    expect(withoutKillSwitchParam(`${origin}/?deploy%6Eet=off&x=1`)).toBe(`${origin}/?x=1`);
    expect(withoutKillSwitchParam(`${origin}/?x=deploynet=off`)).toBe(`${origin}/?x=deploynet=off`);
  });

  it('decides: reload clean on the parameter, off for the session or a kill-switch build, on otherwise', () => {
    expect(decideKillSwitch({ href: `${origin}/?deploynet=off`, offForSession: false, offBuild: false })).toBe('reload');
    expect(decideKillSwitch({ href: `${origin}/?deploynet=off`, offForSession: true, offBuild: true })).toBe('reload');
    expect(decideKillSwitch({ href: `${origin}/`, offForSession: true, offBuild: false })).toBe('off');
    expect(decideKillSwitch({ href: `${origin}/`, offForSession: false, offBuild: true })).toBe('off');
    expect(decideKillSwitch({ href: `${origin}/`, offForSession: false, offBuild: false })).toBe('on');
    expect(isOffBuild()).toBe(false);
  });

  it('matches registrations by their script', () => {
    const log: string[] = [];
    expect(isDeployNetRegistration(registration(`${origin}/deploynet-sw.js`, log), origin)).toBe(true);
    expect(isDeployNetRegistration(registration(`${origin}/sw.js`, log), origin)).toBe(false);
    expect(isDeployNetRegistration(registration(`${origin}/app/deploynet-sw.js`, log), origin)).toBe(false);
    expect(isDeployNetRegistration(registration(null, log), origin)).toBe(false);
  });

  it('teardown unregisters DeployNet workers only and deletes deploynet- caches only', async () => {
    const log: string[] = [];
    const names = ['deploynet-content-v1', 'deploynet-meta-v1', 'app-cache'];
    await teardown({
      origin,
      container: { getRegistrations: async () => [registration(`${origin}/deploynet-sw.js`, log), registration(`${origin}/other-sw.js`, log)] },
      caches: {
        keys: async () => [...names],
        delete: async (name: string) => (names.splice(names.indexOf(name), 1), log.push(`delete ${name}`), true),
      },
    });
    expect(log.sort()).toEqual([`delete deploynet-content-v1`, `delete deploynet-meta-v1`, `unregister ${origin}/deploynet-sw.js`]);
    expect(names).toEqual(['app-cache']);
    await expect(teardown({ origin, container: undefined, caches: undefined })).resolves.toBeUndefined();
  });
});
