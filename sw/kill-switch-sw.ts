/**
 * deploynet-sw.js as `deploynet build --kill-switch` writes it (bundled to
 * dist/runtime/deploynet-sw-off.js): a no-op service worker that replaces a bad release.
 *
 * Its bytes differ from the worker it replaces, so the browser's update check installs it, and it
 * activates at once. On activate it deletes DeployNet's caches, claims the site's clients,
 * unregisters itself and reloads the windows it took over, which come back uncontrolled, straight
 * from the origin. It has no fetch handler, so until then nothing is intercepted.
 *
 * Only windows that were controlled before it claimed are reloaded (those the old worker served):
 * a page whose script registers the worker afresh is claimed but not reloaded, so an old page
 * script can never drive it into a reload loop. The build's prelude (`var __DEPLOYNET_CONFIG__`)
 * is above this code and unused.
 */
import { clearDeployNetCaches } from './kill-switch.js';

declare const self: ServiceWorkerGlobalScope;

async function step(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch {
    // every step is best effort; the next ones still run
  }
}

async function retire(): Promise<void> {
  let served: readonly WindowClient[] = [];
  await step(async () => (served = await self.clients.matchAll({ type: 'window' })));
  await step(() => clearDeployNetCaches(self.caches));
  await step(() => self.clients.claim());
  await step(() => self.registration.unregister());
  await Promise.all(served.map((client) => step(() => client.navigate(client.url))));
}

self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(retire());
});
