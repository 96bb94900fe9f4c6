/**
 * New deploys, page side. The browser finds a new deploynet-sw.js on navigations (each deploy
 * changes it); this also asks it to look every few minutes while the page stays open, and turns
 * the SW's `manifest-updated` message into the `deploynet:update` event on window (design
 * contract), once per newer version. The page itself keeps the files of its own version.
 */
import { parseManifestUpdated } from '../core/index.js';

/** How often an open page asks the browser to check for a new deploy. */
export const UPDATE_CHECK_MS = 5 * 60_000;

export interface UpdateEventDetail {
  readonly version: number;
  /** The version this page was loaded under. */
  readonly pageVersion: number | null;
}

export function watchForUpdates(win: Window, container: ServiceWorkerContainer, pageVersion: () => number | null): void {
  let announced = 0;
  container.addEventListener('message', (event) => {
    let version: number;
    try {
      version = parseManifestUpdated(event.data).version;
    } catch {
      return; // not ours, or another message type
    }
    const own = pageVersion();
    if (own === null || version <= own) return; // a first install, or nothing newer than this page
    if (version <= announced) return;
    announced = version;
    win.dispatchEvent(new CustomEvent<UpdateEventDetail>('deploynet:update', { detail: { version, pageVersion: own } }));
  });
  win.setInterval(() => {
    void container.getRegistration().then((registration) => registration?.update()).catch(() => undefined);
  }, UPDATE_CHECK_MS);
}
