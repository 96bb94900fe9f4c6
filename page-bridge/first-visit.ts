/**
 * Registers deploynet-sw.js and, on a first visit, reloads once under its control so that the
 * page's subresources can already come from peers. Before anything else, that first visit stops
 * the uncontrolled page's own downloads (window.stop()): they would all come from the origin,
 * only to be fetched again, through the SW, by the reload. A session flag makes sure it stops and
 * reloads at most once, whatever happens (a failed registration reloads once too, so a stopped
 * page always comes back); a site can turn this off (firstVisit 'none', or data-first-visit="none").
 */
import { SW_PATH, type FirstVisitMode } from '../core/index.js';

const RELOADED_FLAG = 'deploynet:first-visit-reloaded';
const CONTROL_TIMEOUT_MS = 5000;

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
): Promise<Registration> {
  const wasControlled = container.controller !== null;
  const firstReload = !wasControlled && mode === 'reload' && claimFirstReload(storage);
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
