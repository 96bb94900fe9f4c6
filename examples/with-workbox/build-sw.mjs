#!/usr/bin/env node
/**
 * The example's own build step for its service worker: `node examples/with-workbox/build-sw.mjs
 * SITE_DIR` writes SITE_DIR/sw.js. What workbox-build's injectManifest does, in a few lines: it
 * lists the shell files with a revision (a hash of their bytes) as `self.__WB_MANIFEST`, and
 * bundles src/sw.js and the Workbox modules it imports into one classic script.
 *
 * Run it on the finished site (after anything that edits the HTML), then `deploynet build SITE_DIR
 * --sw-mode embed`. See README.md.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The app shell the site's worker precaches. */
export const SHELL = ['/index.html', '/about.html', '/css/app.css', '/js/app.js'];

const SOURCE = fileURLToPath(new URL('./src/sw.js', import.meta.url));

export async function buildServiceWorker(siteDir) {
  const manifest = [];
  for (const url of SHELL) {
    const bytes = await readFile(join(siteDir, ...url.slice(1).split('/')));
    manifest.push({ url, revision: createHash('sha256').update(bytes).digest('hex').slice(0, 16) });
  }
  await build({
    entryPoints: [SOURCE],
    outfile: join(siteDir, 'sw.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'firefox111', 'safari16.4'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: {
      'self.__WB_MANIFEST': JSON.stringify(manifest),
      // Workbox's modules check this to leave out their development logging.
      'process.env.NODE_ENV': '"production"',
    },
  });
  return manifest;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const siteDir = process.argv[2];
  if (!siteDir) {
    console.error('usage: node examples/with-workbox/build-sw.mjs SITE_DIR');
    process.exit(1);
  }
  buildServiceWorker(siteDir).then(
    (manifest) => console.log(`wrote ${join(siteDir, 'sw.js')} (precaching ${manifest.length} files)`),
    (error) => {
      console.error(`build-sw: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
