/**
 * Registers deploynet-sw.js and, on a first visit, reloads once under its control so that the
 * page's subresources can already come from peers. A session flag makes sure it reloads at most
 * once, whatever happens; a site can turn this off (firstVisit 'none', or data-first-visit="none").
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

export async function registerServiceWorker(container: ServiceWorkerContainer, mode: FirstVisitMode, storage: Storage | null, reload: () => void): Promise<Registration> {
  const wasControlled = container.controller !== null;
  try {
    await container.register(SW_PATH, { scope: '/' });
  } catch (error) {
    console.warn('[deploynet] service worker registration failed; the site loads from the origin:', error);
    return 'unavailable';
  }
  if (wasControlled) return 'controlled';
  const controlled = await whenControlled(container, CONTROL_TIMEOUT_MS);
  if (!controlled) return 'unavailable';
  if (mode === 'reload' && storage && storage.getItem(RELOADED_FLAG) === null) {
    storage.setItem(RELOADED_FLAG, String(Date.now()));
    reload();
    return 'reloading';
  }
  return 'controlled';
}
