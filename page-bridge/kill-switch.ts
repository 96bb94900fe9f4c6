/**
 * The kill switch, page side. deploynet.js calls {@link engageKillSwitch} before anything else.
 *
 * - `?deploynet=off` in the address: unregister every registration of this origin whose script is
 *   deploynet-sw.js, delete DeployNet's caches, remember "off" for this tab's session, and reload
 *   once from the origin at the same URL without the parameter (location.replace, so the address
 *   bar ends clean and Back does not repeat it). The bridge does not start.
 * - "off" remembered for this tab: the bridge does not start and nothing is registered, so the
 *   reloaded page stays uncontrolled. A new tab (a new session) gets DeployNet again.
 * - A kill-switch build (`deploynet build --kill-switch` prepends `var __DEPLOYNET_OFF__ = true;`):
 *   the same teardown on every page load, without a reload; the bridge never starts.
 *
 * The URL rule and the cache names are core's (core/kill-switch.ts), shared with the SW.
 */
import { SW_PATH, clearDeployNetCaches, queryHasKillSwitch, queryWithoutKillSwitch } from '../core/index.js';
/** sessionStorage key: DeployNet stays off in this tab. */
export const OFF_FLAG = 'deploynet:off';
/** The global a kill-switch build prepends to deploynet.js (manifest-cli/build-site.ts). */
export const OFF_BUILD_GLOBAL = '__DEPLOYNET_OFF__';
/** How long the teardown may take before the page reloads anyway. */
export const TEARDOWN_TIMEOUT_MS = 3000;

declare const __DEPLOYNET_OFF__: unknown;

/** True when a kill-switch build baked `var __DEPLOYNET_OFF__ = true;` into this script. */
export function isOffBuild(): boolean {
  return typeof __DEPLOYNET_OFF__ !== 'undefined' && __DEPLOYNET_OFF__ === true;
}

/** True when the URL's query has `deploynet=off` (value case-insensitive). */
export function hasKillSwitchParam(href: string): boolean {
  try {
    return queryHasKillSwitch(new URL(href).search);
  } catch {
    return false;
  }
}

/** The same URL without any `deploynet` parameter; the other parameters keep their exact text. */
export function withoutKillSwitchParam(href: string): string {
  const url = new URL(href);
  url.search = queryWithoutKillSwitch(url.search);
  return url.href;
}

/** A registration whose worker (active, waiting or installing) runs /deploynet-sw.js. */
export function isDeployNetRegistration(registration: ServiceWorkerRegistration, origin: string): boolean {
  return [registration.active, registration.waiting, registration.installing].some((worker) => {
    if (!worker) return false;
    try {
      const url = new URL(worker.scriptURL);
      return url.origin === origin && url.pathname === SW_PATH;
    } catch {
      return false;
    }
  });
}

export type KillSwitchDecision = 'on' | 'off' | 'reload';

/** What the page script does (pure): start as usual, stay off, or tear down and reload clean. */
export function decideKillSwitch(input: { readonly href: string; readonly offForSession: boolean; readonly offBuild: boolean }): KillSwitchDecision {
  if (hasKillSwitchParam(input.href)) return 'reload';
  return input.offBuild || input.offForSession ? 'off' : 'on';
}

export interface TeardownDeps {
  readonly origin: string;
  readonly container: Pick<ServiceWorkerContainer, 'getRegistrations'> | undefined;
  readonly caches: Pick<CacheStorage, 'keys' | 'delete'> | undefined;
}

/** Unregisters DeployNet's service workers and deletes its caches; best effort, never throws. */
export async function teardown(deps: TeardownDeps): Promise<void> {
  const unregister = async (): Promise<void> => {
    if (!deps.container) return;
    const registrations = await deps.container.getRegistrations();
    await Promise.allSettled(registrations.filter((r) => isDeployNetRegistration(r, deps.origin)).map((r) => r.unregister()));
  };
  const clear = async (): Promise<void> => {
    if (deps.caches) await clearDeployNetCaches(deps.caches);
  };
  await Promise.allSettled([unregister(), clear()]);
}

function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function sessionStore(win: Window): Storage | null {
  try {
    return win.sessionStorage;
  } catch {
    return null; // storage blocked: the switch still works for this load
  }
}

/**
 * Runs the kill switch for this page. 'on': start DeployNet as usual; 'off': do not start it;
 * 'reloading': the page is being replaced by its clean URL, do nothing more.
 */
export function engageKillSwitch(win: Window): 'on' | 'off' | 'reloading' {
  const storage = sessionStore(win);
  let offForSession = false;
  try {
    offForSession = storage !== null && storage.getItem(OFF_FLAG) !== null;
  } catch {
    // unreadable storage: not off
  }
  const decision = decideKillSwitch({ href: win.location.href, offForSession, offBuild: isOffBuild() });
  if (decision === 'on') return 'on';
  const deps: TeardownDeps = {
    origin: win.location.origin,
    container: 'serviceWorker' in win.navigator ? win.navigator.serviceWorker : undefined,
    caches: 'caches' in win ? win.caches : undefined,
  };
  if (decision === 'off') {
    if (isOffBuild()) void teardown(deps);
    return 'off';
  }
  try {
    storage?.setItem(OFF_FLAG, String(Date.now()));
  } catch {
    // cannot remember: this load still goes to the origin
  }
  const clean = withoutKillSwitchParam(win.location.href);
  void withDeadline(teardown(deps), TEARDOWN_TIMEOUT_MS).then(() => win.location.replace(clean));
  return 'reloading';
}
