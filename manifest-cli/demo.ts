/**
 * `npm start`: the whole of DeployNet on one machine. Makes a throwaway key, starts an in-process
 * signal node, and for each example (the static site, the installable PWA, and a site with its own
 * Workbox service worker, built with `--sw-mode embed` after its own SW build step) copies it to
 * .demo/<name>/, builds it with `--inject` and serves it on its own origin (own port): a service
 * worker's scope and storage belong to an origin, so two apps cannot share one. Prints the URLs to
 * open in two browsers (two profiles, or one normal and one private window: two visitors).
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { errorMessage } from '../core/index.js';
import { startSignalNode, type SignalNode } from '../signal/index.js';
import { buildSite } from './build-site.js';
import { generateKeyPair } from './keys.js';
import { serveSite, type ServedSite } from './serve.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMO = join(ROOT, '.demo');

/** Each example and the port it asks for (a free one when that is taken). */
const EXAMPLES = [
  { name: 'site', port: 8080, what: 'static site' },
  { name: 'pwa', port: 8081, what: 'installable app' },
  { name: 'with-workbox', port: 8082, what: 'own Workbox SW' },
] as const;

/** examples/with-workbox: its site is public/, and its own step writes its service worker (sw.js). */
async function prepareWithWorkbox(siteDir: string): Promise<void> {
  const script = pathToFileURL(join(ROOT, 'examples', 'with-workbox', 'build-sw.mjs')).href;
  const { buildServiceWorker } = (await import(script)) as { buildServiceWorker: (dir: string) => Promise<unknown> };
  await buildServiceWorker(siteDir);
}

async function listenOrAny<T>(start: (port: number) => Promise<T>, port: number): Promise<T> {
  try {
    return await start(port);
  } catch {
    return start(0);
  }
}

async function main(): Promise<void> {
  const host = process.env.DEPLOYNET_DEMO_HOST ?? '127.0.0.1';
  await rm(DEMO, { recursive: true, force: true });
  await mkdir(DEMO, { recursive: true });
  const keys = await generateKeyPair(join(DEMO, 'keys'));
  const signal: SignalNode = await listenOrAny((port) => startSignalNode({ port, host }), 9000);
  const origins: ServedSite[] = [];
  const stop = async () => {
    await Promise.allSettled([...origins.map((o) => o.close()), signal.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  console.log(`DeployNet demo, throwaway key ${keys.keyId}`);
  console.log(`  signal node  ${signal.url}`);
  let dashboard = '';
  for (const example of EXAMPLES) {
    const siteDir = join(DEMO, example.name);
    const embed = example.name === 'with-workbox';
    await cp(join(ROOT, 'examples', example.name, ...(embed ? ['public'] : [])), siteDir, { recursive: true });
    if (embed) await prepareWithWorkbox(siteDir);
    const built = await buildSite({ siteDir, keyFile: keys.privateKeyPath, signal: signal.url, inject: true, ...(embed && { swMode: 'embed' as const }) });
    const origin = await listenOrAny((port) => serveSite({ siteDir, port, host }), example.port);
    origins.push(origin);
    console.log(`  ${example.what.padEnd(16)} ${origin.url}/  (${built.fileCount} files, manifest version ${built.version})`);
    if (example.name === 'site') dashboard = `${origin.url}/dashboard.html`;
  }
  console.log('');
  console.log(`Swarm dashboard (bytes by source over time, peers, uploads): ${dashboard}`);
  console.log('');
  console.log('A second visitor: open the same URL in another browser profile, or in a private window');
  console.log('(Chrome: Ctrl-Shift-N; Firefox: Ctrl-Shift-P). It gets its assets from the first visitor:');
  console.log('watch both dashboards, see DevTools > Network > Timing (Server-Timing), or run');
  console.log('`await deploynet.stats()` in the console. The app can be installed from the address bar.');
  console.log('Ctrl-C stops.');
}

main().catch((error: unknown) => {
  console.error(`deploynet demo: ${errorMessage(error)}`);
  process.exit(1);
});
