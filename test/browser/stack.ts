/**
 * A whole DeployNet deployment on loopback for one test: the example site copied to a temp dir,
 * a fresh key, a real signal node (PeerServer), `deploynet build --inject`, and a real origin.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../core/index.js';
import { buildSite, type BuildSiteOptions } from '../../manifest-cli/build-site.js';
import { generateKeyPair } from '../../manifest-cli/keys.js';
import { serveSite, type ServedSite } from '../../manifest-cli/serve.js';
import { startSignalNode, type SignalNode } from '../../signal/index.js';

export const EXAMPLE_SITE = new URL('../../examples/site/', import.meta.url).pathname;

export interface Stack {
  readonly origin: string;
  readonly signalUrl: string;
  readonly siteDir: string;
  /** The manifest of the latest build. */
  readonly manifest: Manifest;
  /** Builds the site again (a new deploy) after `change` edited files in siteDir. */
  redeploy(change: (siteDir: string) => Promise<void>, version: number): Promise<Manifest>;
  /** Stops the signal node (idempotent). */
  stopSignal(): Promise<void>;
  /** SHA-256 hex of a file as the origin has it on disk. */
  originSha256(path: string): Promise<string>;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly build?: Partial<Omit<BuildSiteOptions, 'siteDir' | 'keyFile' | 'signal'>>;
  /** Runs after the build and before the origin starts (e.g. to tamper with the output). */
  readonly afterBuild?: (siteDir: string) => Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = await mkdtemp(join(tmpdir(), 'deploynet-stack-'));
  const siteDir = join(root, 'site');
  await cp(EXAMPLE_SITE, siteDir, { recursive: true });
  const keys = await generateKeyPair(join(root, 'keys'));
  let signal: SignalNode | null = await startSignalNode({ port: 0, host: '127.0.0.1' });
  const build = (extra: Partial<BuildSiteOptions> = {}) =>
    buildSite({ ...options.build, ...extra, siteDir, keyFile: keys.privateKeyPath, signal: signalUrl, inject: true });
  const signalUrl = signal.url;
  let manifest = (await build()).manifest;
  await options.afterBuild?.(siteDir);
  const served: ServedSite = await serveSite({ siteDir, port: 0, host: '127.0.0.1' });
  const stopSignal = async () => {
    const s = signal;
    signal = null;
    await s?.close();
  };
  return {
    origin: served.url,
    signalUrl,
    siteDir,
    get manifest() {
      return manifest;
    },
    async redeploy(change, version) {
      await change(siteDir);
      manifest = (await build({ version })).manifest;
      return manifest;
    },
    stopSignal,
    async originSha256(path) {
      return createHash('sha256').update(await readFile(join(siteDir, ...path.slice(1).split('/')))).digest('hex');
    },
    async close() {
      await stopSignal();
      await served.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
