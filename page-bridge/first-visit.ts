/**
 * Registers deploynet-sw.js and, on a first visit, reloads once under its control so that the
 * page's subresources can already come from peers. Before anything else, that first visit stops
 * the uncontrolled page's own downloads (window.stop()): they would all come from the origin,
 * only to be fetched again, through the SW, by the reload. A session flag makes sure it stops and
 * reloads at most once, whatever happens (a failed registration reloads once too, so a stopped
 * page always comes back); a site can turn this off (firstVisit 'none', or data-first-visit="none").
 *
 * When the site has a worker of its own that imports DeployNet (`deploynet build --sw-mode
 * embed`), the site registers it: this script only waits for it to take control, never stops the
 * page (that could cancel the very script that registers the site's worker), and reloads once then.
 */
import { SW_PATH, type FirstVisitMode } from '../core/index.js';

const RELOADED_FLAG = 'deploynet:first-visit-reloaded';
const CONTROL_TIMEOUT_MS = 5000;
/** A site's own worker may precache its shell before it claims the page. */
const SITE_CONTROL_TIMEOUT_MS = 10_000;

/** Who registers the service worker: DeployNet (deploynet-sw.js), or the site (its own worker imports deploynet-sw-lib.js). */
export type WorkerOwner = 'deploynet' | 'site';

declare const __DEPLOYNET_SW_MODE__: unknown;

/** An embed build prepends `var __DEPLOYNET_SW_MODE__ = "embed";` to this script (manifest-cli/build-site.ts). */
export function workerOwner(): WorkerOwner {
  return typeof __DEPLOYNET_SW_MODE__ !== 'undefined' && __DEPLOYNET_SW_MODE__ === 'embed' ? 'site' : 'deploynet';
}

export function whenControlled(container: ServiceWorkerContainer, timeoutMs: number): Promise<boolean> {
  if (container.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    container.addEventListener(
      'controllerchange',
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      { once: true },
    );
  });
}

/** `controlled`: start the bridge; `reloading`: the page is going away; `unavailable`: no SW. */
export type Registration = 'controlled' | 'reloading' | 'unavailable';

export async function registerServiceWorker(
  container: ServiceWorkerContainer,
  mode: FirstVisitMode,
  storage: Storage | null,
  reload: () => void,
  stopLoading: () => void,
  owner: WorkerOwner = 'deploynet',
): Promise<Registration> {
  const wasControlled = container.controller !== null;
  const firstReload = !wasControlled && mode === 'reload' && claimFirstReload(storage);
  if (owner === 'site') {
    if (wasControlled) return 'controlled';
    const controlled = await whenControlled(container, SITE_CONTROL_TIMEOUT_MS);
    if (controlled && firstReload) return reloadNow(reload);
    return controlled ? 'controlled' : 'unavailable';
  }
  if (firstReload) stopLoading();
  try {
    await container.register(SW_PATH, { scope: '/' });
  } catch (error) {
    console.warn('[deploynet] service worker registration failed; the site loads from the origin:', error);
    if (firstReload) return reloadNow(reload);
    return 'unavailable';
  }
  if (wasControlled) return 'controlled';
  const controlled = await whenControlled(container, CONTROL_TIMEOUT_MS);
  if (firstReload) return reloadNow(reload); // controlled or not: the stopped page must come back
  return controlled ? 'controlled' : 'unavailable';
}

/** Sets the once-per-tab-session flag; false when it was set already or cannot be kept. */
function claimFirstReload(storage: Storage | null): boolean {
  try {
    if (!storage || storage.getItem(RELOADED_FLAG) !== null) return false;
    storage.setItem(RELOADED_FLAG, String(Date.now()));
    return storage.getItem(RELOADED_FLAG) !== null;
  } catch {
    return false; // storage blocked: without the flag a reload could loop, so none
  }
}

function reloadNow(reload: () => void): Registration {
  reload();
  return 'reloading';
}
