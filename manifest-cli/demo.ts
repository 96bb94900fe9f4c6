/**
 * `npm start`: the whole of DeployNet on one machine. Copies examples/site to .demo/, makes a
 * throwaway key, starts an in-process signal node and a local origin, builds the site with
 * `--inject`, and prints the URL to open in two browsers (two profiles, or one normal window and
 * one private window: each is a separate visitor).
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { errorMessage } from '../core/index.js';
import { startSignalNode, type SignalNode } from '../signal/index.js';
import { buildSite } from './build-site.js';
import { generateKeyPair } from './keys.js';
import { serveSite, type ServedSite } from './serve.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMO = join(ROOT, '.demo');

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
  const siteDir = join(DEMO, 'site');
  await cp(join(ROOT, 'examples', 'site'), siteDir, { recursive: true });
  const keys = await generateKeyPair(join(DEMO, 'keys'));

  const signal: SignalNode = await listenOrAny((port) => startSignalNode({ port, host }), 9000);
  const built = await buildSite({ siteDir, keyFile: keys.privateKeyPath, signal: signal.url, inject: true });
  const origin: ServedSite = await listenOrAny((port) => serveSite({ siteDir, port, host }), 8080);

  console.log(`DeployNet demo: ${built.fileCount} files, manifest version ${built.version}, key ${built.keyId} (throwaway)`);
  console.log(`  signal node  ${signal.url}`);
  console.log(`  origin       ${origin.url}`);
  console.log('');
  console.log(`Open ${origin.url}/ in two separate browser profiles (or a normal and a private window).`);
  console.log('The second visitor gets its assets from the first; see DevTools > Network > Timing (Server-Timing)');
  console.log('or run `await deploynet.stats()` in the console. Ctrl-C stops.');

  const stop = async () => {
    await Promise.allSettled([origin.close(), signal.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`deploynet demo: ${errorMessage(error)}`);
  process.exit(1);
});
