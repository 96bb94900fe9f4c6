/**
 * `deploynet:progress` on window (core/stats.ts ProgressDetail): the SW's fetch-progress messages
 * for the files this page asked for, passed on as they come, e.g. for a progress bar:
 *
 *   addEventListener('deploynet:progress', (e) => bar.value = e.detail.loaded / e.detail.total);
 */
import { PROGRESS_EVENT, parseFetchProgress, type ProgressDetail } from '../core/index.js';

export function relayProgress(win: Window, container: ServiceWorkerContainer): void {
  container.addEventListener('message', (event) => {
    let detail: ProgressDetail | undefined;
    try {
      const message = parseFetchProgress(event.data);
      if (!message) return; // another message type
      detail = { url: message.url, loaded: message.loaded, total: message.total, bytes: message.bytes };
    } catch {
      return; // malformed: not from our SW
    }
    win.dispatchEvent(new CustomEvent<ProgressDetail>(PROGRESS_EVENT, { detail }));
  });
}
