// The site's own service worker, written as a Workbox user writes one, and bundled by
// ../build-sw.mjs (self.__WB_MANIFEST is the precache list it injects, as workbox-build would).
// DeployNet is one more route: images, large files and DeployNet's own page script go through it
// (cache, then other visitors, then the origin; every byte checked against the signed manifest).
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';

// Written by `deploynet build --sw-mode embed`, with the site's public key and settings.
importScripts('/deploynet-sw-lib.js');
// Before the site's routes: DeployNet also answers its own background requests here.
const deploynet = self.deploynet.setup();

self.skipWaiting();
clientsClaim();

// The shell: HTML, CSS and JS from the precache, so the site opens offline.
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);

// Images, large downloads, and deploynet.js: through DeployNet.
registerRoute(
  ({ request, url }) => request.destination === 'image' || url.pathname.startsWith('/files/') || url.pathname === '/deploynet.js',
  deploynet.handler,
);

// The site's own data: fresh from the network when it can be, from the site's cache when not.
registerRoute(({ url }) => url.pathname.startsWith('/data/'), new NetworkFirst({ cacheName: 'site-data' }));
