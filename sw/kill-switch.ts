/**
 * The kill switch, service-worker side (design: "`?deploynet=off` on any URL unregisters the
 * service worker, clears DeployNet's caches and loads the page from the origin").
 *
 * A navigation whose URL carries `deploynet=off` is never intercepted, whatever the page script
 * does: it goes to the network, and the SW unregisters itself and clears DeployNet's caches, so
 * visiting `/?deploynet=off` rescues a site even when deploynet.js is broken. From then on this
 * worker passes every request through until it is gone.
 *
 * The URL rule and the cache names are core's (core/kill-switch.ts), shared with the page script.
 */
import { clearDeployNetCaches, isDeployNetCacheName, queryHasKillSwitch } from '../core/index.js';

export { clearDeployNetCaches, isDeployNetCacheName };

export interface NavigationFacts {
  /** Request.mode: only 'navigate' turns the switch. */
  readonly mode: string;
  readonly url: string;
  /** The SW's own origin (self.location.origin). */
  readonly origin: string;
}

/** True when the URL's query has `deploynet=off` (value case-insensitive). */
export function hasKillSwitchParam(url: string | URL): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  return queryHasKillSwitch(parsed.search);
}

/** A same-origin navigation carrying `deploynet=off`: pass it through and retire this worker. */
export function isKillSwitchNavigation(facts: NavigationFacts): boolean {
  if (facts.mode !== 'navigate') return false;
  let url: URL;
  try {
    url = new URL(facts.url);
  } catch {
    return false;
  }
  return url.origin === facts.origin && hasKillSwitchParam(url);
}

/**
 * Requests that were already in flight when the switch turned (a fill-in, a slow origin fetch)
 * may still write to the cache afterwards, and a page that is going away may still open it; so
 * the caches are swept until they stay empty for a few sweeps in a row (within a time limit).
 */
export const SWEEP_INTERVAL_MS = 1000;
export const QUIET_SWEEPS = 3;
export const MAX_SWEEPS = 60;

export interface KillSwitchDeps {
  readonly caches: CacheStorage;
  /** self.registration.unregister */
  readonly unregister: () => Promise<boolean>;
  /** Test seam (default: setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The switch of one running worker: once engaged it stays engaged for the worker's life. */
export class KillSwitch {
  #engaged = false;
  #done: Promise<void> | null = null;

  readonly #deps: KillSwitchDeps;

  constructor(deps: KillSwitchDeps) {
    this.#deps = deps;
  }

  get engaged(): boolean {
    return this.#engaged;
  }

  /**
   * True when the request must pass through: a kill-switch navigation (which engages the switch
   * and returns the teardown through `waitUntil`), or any request after the switch was engaged.
   */
  passThrough(facts: NavigationFacts, waitUntil: (work: Promise<unknown>) => void): boolean {
    if (isKillSwitchNavigation(facts)) {
      waitUntil(this.engage());
      return true;
    }
    return this.#engaged;
  }

  /** Unregisters this worker and clears DeployNet's caches (once; later calls share the work). */
  engage(): Promise<void> {
    this.#engaged = true;
    this.#done ??= Promise.allSettled([this.#deps.unregister(), this.#sweepUntilQuiet()]).then(() => undefined);
    return this.#done;
  }

  async #sweepUntilQuiet(): Promise<void> {
    const sleep = this.#deps.sleep ?? defaultSleep;
    let quiet = 0;
    for (let sweep = 0; quiet < QUIET_SWEEPS && sweep < MAX_SWEEPS; sweep++) {
      if (sweep > 0) await sleep(SWEEP_INTERVAL_MS);
      const deleted = await clearDeployNetCaches(this.#deps.caches).catch(() => []);
      quiet = deleted.length === 0 ? quiet + 1 : 0;
    }
  }
}
