/**
 * A whole DeployNet deployment on loopback for one test: the example site copied to a temp dir,
 * a fresh key, a real signal node (PeerServer), `deploynet build --inject`, and a real origin.
 */
import { createHash, sign } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVELOPE_FORMAT, MANIFEST_PATH, SW_PATH, serializeEnvelope, serializeManifest, toBase64Url, utf8Encode, type Manifest } from '../../core/index.js';
import { buildSite, type BuildSiteOptions } from '../../manifest-cli/build-site.js';
import { generateKeyPair, loadPrivateKey } from '../../manifest-cli/keys.js';
import { serveSite, type ServeSiteOptions, type ServedSite } from '../../manifest-cli/serve.js';
import { startSignalNode, type SignalNode, type SignalOptions } from '../../signal/index.js';

export const EXAMPLE_SITE = new URL('../../examples/site/', import.meta.url).pathname;
/** The installable, offline-first app (issue 3, item 7). */
export const EXAMPLE_PWA = new URL('../../examples/pwa/', import.meta.url).pathname;
/** A site with its own Workbox service worker, which imports DeployNet (issue 7, item 3): its public/ folder. */
export const EXAMPLE_WITH_WORKBOX = new URL('../../examples/with-workbox/public/', import.meta.url).pathname;

/**
 * Build options for tests that assert every byte came from a healthy peer. On a loaded 2-core CI
 * machine (two Chromiums, the origin and the signal node) a healthy peer was once silent for more
 * than the default 2.5 s, and the SW rightly went to the origin. These tests are about delivery;
 * the timeout policy itself is unit-tested (page-bridge/peer-link-faults, sw/bridge-registry).
 */
export const PATIENT_PEERS = { peerTimeoutMs: 8000 } as const;

export interface Stack {
  readonly origin: string;
  readonly signalUrl: string;
  readonly siteDir: string;
  /** The manifest of the latest build. */
  readonly manifest: Manifest;
  /** Builds the site again (a new deploy) after `change` edited files in siteDir. */
  redeploy(change: (siteDir: string) => Promise<void>, version: number, build?: RedeployBuildOptions): Promise<Manifest>;
  /**
   * Replaces only deploynet-manifest.json (the latest build's files, signed by hand) and appends a
   * comment to deploynet-sw.js, so browsers reinstall the same SW, which refreshes the manifest.
   * `stack.manifest` stays the latest build's.
   */
  writeManifest(options: WriteManifestOptions): Promise<void>;
  /** Stops the signal node (idempotent). */
  stopSignal(): Promise<void>;
  /** Stops the origin server (idempotent): the site is then only what visitors hold. */
  stopOrigin(): Promise<void>;
  /**
   * Starts the origin again on the same port (the origin URL is the site's identity: its service
   * worker, caches and IndexedDB), stopping it first if it runs; `origin` replaces the stack's
   * origin options from then on.
   */
  restartOrigin(origin?: OriginOptions): Promise<void>;
  /** SHA-256 hex of a file as the origin has it on disk. */
  originSha256(path: string): Promise<string>;
  /** Bytes the origin has sent so far (on the wire, headers included), over restarts too. */
  originBytesSent(): number;
  close(): Promise<void>;
}

/** Build options a redeploy may change, e.g. `now` in the past with a short `expires`, or `killSwitch`. */
export type RedeployBuildOptions = Partial<Pick<BuildSiteOptions, 'now' | 'expires' | 'killSwitch'>>;

export interface WriteManifestOptions {
  readonly version: number;
  /** `site`: the stack's key (the one in deploynet-sw.js); `other`: a key of a new keygen. */
  readonly signer: 'site' | 'other';
  /** Alter the signed manifest text after signing (the signature no longer verifies). */
  readonly tamper?: boolean;
}

/** How the origin serves: a simulated WAN, a request log (manifest-cli/serve.ts). */
export type OriginOptions = Pick<ServeSiteOptions, 'latencyMs' | 'rateBytesPerSec' | 'onRequest'>;

export interface StackOptions {
  /** Options of the signal node (port and host are the stack's). */
  readonly signal?: Omit<SignalOptions, 'port' | 'host'>;
  /** The folder copied and deployed; default {@link EXAMPLE_SITE}. */
  readonly example?: string;
  readonly build?: Partial<Omit<BuildSiteOptions, 'siteDir' | 'keyFile' | 'signal'>>;
  /** The site's own build step, after the copy and before `deploynet build` (e.g. bundling its service worker). */
  readonly beforeBuild?: (siteDir: string) => Promise<void>;
  /** Runs after the build and before the origin starts (e.g. to tamper with the output). */
  readonly afterBuild?: (siteDir: string) => Promise<void>;
  /** Default: as fast as loopback, no log. */
  readonly origin?: OriginOptions;
  /**
   * Builds the copied site instead of the stack's own `buildSite(... inject: true)` (e.g. esbuild
   * with the deploynet plugin), for the first build and every redeploy; returns the manifest.
   */
  readonly builder?: (input: StackBuildInput) => Promise<Manifest>;
}

/** What a custom {@link StackOptions.builder} gets: where to build, and the stack's key and signal node. */
export interface StackBuildInput {
  readonly siteDir: string;
  readonly keyFile: string;
  readonly signalUrl: string;
  /** `options.build` with a redeploy's version and extras on top. */
  readonly build: Partial<Omit<BuildSiteOptions, 'siteDir' | 'keyFile' | 'signal'>>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = await mkdtemp(join(tmpdir(), 'deploynet-stack-'));
  const siteDir = join(root, 'site');
  await cp(options.example ?? EXAMPLE_SITE, siteDir, { recursive: true });
  await options.beforeBuild?.(siteDir);
  const keys = await generateKeyPair(join(root, 'keys'));
  let signal: SignalNode | null = await startSignalNode({ ...options.signal, port: 0, host: '127.0.0.1' });
  const build = async (extra: Partial<BuildSiteOptions> = {}): Promise<Manifest> => {
    if (options.builder) return options.builder({ siteDir, keyFile: keys.privateKeyPath, signalUrl, build: { ...options.build, ...extra } });
    return (await buildSite({ ...options.build, ...extra, siteDir, keyFile: keys.privateKeyPath, signal: signalUrl, inject: true })).manifest;
  };
  const signalUrl = signal.url;
  let manifest = await build();
  await options.afterBuild?.(siteDir);
  let originOptions: OriginOptions = options.origin ?? {};
  let served: ServedSite | null = await serveSite({ ...originOptions, siteDir, port: 0, host: '127.0.0.1' });
  const origin = served.url;
  const originPort = served.port;
  let bytesOfStoppedOrigins = 0;
  const stopOrigin = async () => {
    const s = served;
    served = null;
    await s?.close();
    bytesOfStoppedOrigins += s?.bytesSent() ?? 0;
  };
  const stopSignal = async () => {
    const s = signal;
    signal = null;
    await s?.close();
  };
  return {
    origin,
    signalUrl,
    siteDir,
    get manifest() {
      return manifest;
    },
    async redeploy(change, version, extra = {}) {
      await change(siteDir);
      manifest = await build({ ...extra, version });
      return manifest;
    },
    async writeManifest({ version, signer, tamper = false }) {
      const keyFile = signer === 'site' ? keys.privateKeyPath : (await generateKeyPair(await mkdtemp(join(root, 'keys-')))).privateKeyPath;
      const key = await loadPrivateKey(keyFile);
      const now = Date.now();
      const text = serializeManifest({
        ...manifest,
        version,
        keyId: key.keyId,
        created: new Date(now).toISOString(),
        expires: new Date(now + 86_400_000).toISOString(),
      });
      const signature = toBase64Url(sign(null, utf8Encode(text), key.privateKey));
      const signed = tamper ? text.replace(`"version":${version}`, `"version":${version + 1}`) : text;
      if (signed === text && tamper) throw new Error('writeManifest: nothing to tamper with');
      await writeFile(join(siteDir, MANIFEST_PATH.slice(1)), serializeEnvelope({ format: ENVELOPE_FORMAT, keyId: key.keyId, signature, manifest: signed }));
      await appendFile(join(siteDir, SW_PATH.slice(1)), `\n/* deploynet test: manifest replaced (${signer}, v${version}, ${now}) */\n`);
    },
    stopSignal,
    stopOrigin,
    async restartOrigin(next) {
      await stopOrigin();
      originOptions = next ?? originOptions;
      served = await serveSite({ ...originOptions, siteDir, port: originPort, host: '127.0.0.1' });
    },
    originBytesSent: () => bytesOfStoppedOrigins + (served?.bytesSent() ?? 0),
    async originSha256(path) {
      return createHash('sha256').update(await readFile(join(siteDir, ...path.slice(1).split('/')))).digest('hex');
    },
    async close() {
      await stopSignal();
      await stopOrigin();
      await rm(root, { recursive: true, force: true });
    },
  };
}
