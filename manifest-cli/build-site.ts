/**
 * `deploynet build`: hashes SITE_DIR, signs the manifest and writes the three DeployNet files into
 * it. Everything that can be refused (arguments, key, site contents) is checked before the first
 * write, every write is atomic, and the result is verified with core's verifyManifest before the
 * manifest is written (defence in depth: the SW runs the same check).
 */
import { createHash, sign } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CHUNK_SIZE, isValidChunkSize } from '../core/chunks.js';
import { toBase64Url, utf8Encode } from '../core/encoding.js';
import { DeployNetError } from '../core/errors.js';
import { ENVELOPE_FORMAT, MANIFEST_FORMAT, MANIFEST_PATH, PAGE_SCRIPT_PATH, SW_PATH, serializeEnvelope, serializeManifest, type Manifest } from '../core/manifest.js';
import { verifyManifest } from '../core/manifest-verify.js';
import {
  parseIceServers,
  parseSignalUrl,
  resolveSiteConfig,
  type FirstVisitMode,
  type IceServer,
  type IceTransportPolicy,
  type SiteConfig,
} from '../core/site-config.js';
import { writeFileAtomic } from './atomic-write.js';
import { parseDuration } from './duration.js';
import { fsError } from './fs-errors.js';
import { applyHeaderRules, parseHeaderRules, type HeaderRulesOption } from './header-rules.js';
import { readHeadersFile } from './headers-file.js';
import { hashSite, throwFirst, type HashProgress } from './hash-site.js';
import { injectScriptTagIntoFile } from './inject.js';
import { loadPrivateKey } from './keys.js';
import { keyInSiteError } from './leaked-key.js';
import { nodeCrypto } from './node-crypto.js';
import { EMBED_PAGE_PRELUDE, SW_LIB_TEMPLATE, configPrelude, loadRuntimeTemplates, loadSwLibTemplate } from './runtime-templates.js';
import { isInside, resolveSiteDir, walkSite } from './walk-site.js';

export const DEFAULT_EXPIRES = '30d';

export interface BuildSiteOptions {
  readonly siteDir: string;
  /** The private key (PKCS#8 PEM, from `deploynet keygen`). */
  readonly keyFile: string;
  /** Signaling node base URL, or null/absent for a site without peers. */
  readonly signal?: string | null;
  /** Manifest version; default: unix seconds of `now`, so redeploys increase without state. */
  readonly version?: number;
  /** How long the manifest stays valid: `30d` (default), `12h`, `90m`, `3600s`. */
  readonly expires?: string;
  /** Add the page script tag to every .html/.htm file that lacks it. */
  readonly inject?: boolean;
  readonly chunkSize?: number;
  readonly firstVisit?: FirstVisitMode;
  readonly peerTimeoutMs?: number;
  /** RTCIceServer objects for every peer connection (default: none; see readIceServersFile). */
  readonly iceServers?: readonly IceServer[];
  /** `relay`: relay-only mode, TURN only, so visitors never see each other's addresses; needs a TURN server in iceServers. */
  readonly iceTransportPolicy?: IceTransportPolicy;
  /** The signal node's site token (its --site-tokens), baked into the page script as the PeerJS key. Public. */
  readonly signalToken?: string;
  /** A region hint the page sends with its swarm joins (e.g. `eu-west`); a page's data-region wins. */
  readonly region?: string;
  readonly upload?: boolean;
  readonly maxPeers?: number;
  /** Upload limit per visitor, over all its peers, in bytes per second; 0 (default) is unlimited. */
  readonly uploadRateBytesPerSec?: number;
  /**
   * Response headers to sign into the manifest, on top of a `_headers` file in SITE_DIR: path
   * pattern (`/*`, `/admin/*`, `/index.html`) → `{ "Content-Security-Policy": "…" }`. The service
   * worker sets them on every answer for the file, whoever sent the bytes. Only the security
   * headers of core/response-headers.ts are accepted; any other is refused, naming it.
   */
  readonly headers?: HeaderRulesOption;
  /**
   * Write the no-op service worker (dist/runtime/deploynet-sw-off.js) instead of the normal one,
   * and a page script that unregisters instead of starting: takes DeployNet off a site.
   */
  readonly killSwitch?: boolean;
  /**
   * `standalone` (default): DeployNet's own service worker, deploynet-sw.js, which the page script
   * registers. `embed`: the site has a worker of its own that imports DeployNet: write
   * deploynet-sw-lib.js (for its `importScripts`) instead of deploynet-sw.js, and a page script that
   * waits for the site's worker rather than registering one (sw/embed.ts).
   */
  readonly swMode?: SwMode;
  /** Milliseconds since the epoch (default Date.now()). */
  readonly now?: number;
  /** Folder holding the runtime templates (default: dist/runtime/, see runtime-templates.ts). */
  readonly runtimeDir?: string;
  readonly onProgress?: (progress: HashProgress) => void;
  /** Test seam, see hashFile. */
  readonly beforeRead?: (absPath: string) => void | Promise<void>;
}

export interface BuildSiteResult {
  readonly manifest: Manifest;
  readonly config: SiteConfig;
  readonly fileCount: number;
  readonly totalBytes: number;
  readonly version: number;
  readonly keyId: string;
  /** True when this build wrote the kill-switch service worker. */
  readonly killSwitch: boolean;
  /** Headers `_headers` sets that DeployNet does not sign (Cache-Control, …): the host's alone. */
  readonly hostOnlyHeaders: readonly string[];
  readonly swMode: SwMode;
  readonly paths: {
    readonly manifest: string;
    /** deploynet-sw.js, or in embed mode deploynet-sw-lib.js. */
    readonly sw: string;
    readonly page: string;
    /** HTML files that got the script tag in this run. */
    readonly injected: readonly string[];
  };
}

/** Who owns the service worker: DeployNet (`standalone`) or the site, whose worker imports DeployNet (`embed`). */
export type SwMode = 'standalone' | 'embed';
export const SW_MODES: readonly SwMode[] = ['standalone', 'embed'];

export function parseSwMode(value: unknown): SwMode {
  const mode = SW_MODES.find((m) => m === value);
  if (mode) return mode;
  throw new DeployNetError('BAD_ARGUMENT', `swMode must be standalone or embed, not ${String(value)}`, { field: 'swMode' });
}

function parseVersion(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  throw new DeployNetError('BAD_ARGUMENT', `version must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, not ${String(value)}`, { field: 'version' });
}

function parseChunkSize(value: unknown): number {
  if (typeof value === 'number' && isValidChunkSize(value)) return value;
  throw new DeployNetError('BAD_ARGUMENT', `chunkSize must be a power of two from 16 KiB to 4 MiB, not ${String(value)}`, { field: 'chunkSize' });
}

const within = (root: string, urlPath: string): string => join(root, ...urlPath.slice(1).split('/'));

/** The kill-switch service worker template, next to the other two (esbuild.config.mjs). */
export const KILL_SWITCH_SW_TEMPLATE = 'deploynet-sw-off.js';
/**
 * Prepended to deploynet.js by a kill-switch build, after the config prelude: the page script
 * then unregisters and never starts (page-bridge/kill-switch.ts reads this global).
 */
export const KILL_SWITCH_PAGE_PRELUDE = 'var __DEPLOYNET_OFF__ = true;\n';

async function loadKillSwitchTemplate(dir: string): Promise<string> {
  const path = join(dir, KILL_SWITCH_SW_TEMPLATE);
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new DeployNetError('BAD_CONFIG', `the kill-switch template ${path} is missing; run \`npm run build\` first`, { path });
  }
}

/**
 * Reads a JSON file holding an array of RTCIceServer objects (`[{ "urls": "turn:…", "username":
 * …, "credential": … }]`), for `build --ice-servers FILE`. A missing file is FILE_UNREADABLE, bad
 * JSON or a bad entry BAD_CONFIG, each one sentence naming the file.
 */
export async function readIceServersFile(path: string): Promise<IceServer[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fsError('FILE_UNREADABLE', 'read the ICE servers file', path, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8 may quote the file's text in its message (`…, "turn:…"... is not valid JSON`); the file
    // holds TURN credentials, so keep only what comes before the first quote.
    const message = err instanceof Error ? err.message : String(err);
    const reason = message.split('"')[0]!.replace(/[\s,.]+$/, '') || 'a syntax error';
    throw new DeployNetError('BAD_CONFIG', `the ICE servers file ${path} is not valid JSON (${reason})`, { path });
  }
  try {
    return parseIceServers(value, 'iceServers');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DeployNetError('BAD_CONFIG', `the ICE servers file ${path} must hold a JSON array of RTCIceServer objects: ${reason}`, { path });
  }
}

/**
 * Builds and signs a site: hashes every file of `siteDir`, signs the manifest with `keyFile` and
 * writes deploynet-manifest.json, the service worker (deploynet-sw.js; deploynet-sw-lib.js with
 * `swMode: 'embed'`) and deploynet.js into `siteDir`. This is
 * `deploynet build` (the CLI calls exactly this). Refusals are DeployNetErrors with a `code`
 * (KEY_INVALID, SITE_DIR_MISSING, PATH_ESCAPES_SITE, KEY_IN_SITE, FILE_CHANGED, ...) and a
 * one-sentence message; nothing is written before every check has passed.
 *
 * @example
 * ```ts
 * import { buildSite } from 'deploynet';
 *
 * const result = await buildSite({ siteDir: 'public', keyFile: 'deploynet.key', signal: 'https://signal.example.com', inject: true });
 * console.log(`version ${result.version}: ${result.fileCount} files, ${result.totalBytes} bytes`);
 * ```
 */
export async function buildSite(options: BuildSiteOptions): Promise<BuildSiteResult> {
  const now = options.now ?? Date.now();
  const root = await resolveSiteDir(options.siteDir);
  const version = parseVersion(options.version ?? Math.floor(now / 1000));
  const expiresMs = parseDuration(options.expires ?? DEFAULT_EXPIRES, 'expires');
  const chunkSize = parseChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const swMode = parseSwMode(options.swMode ?? 'standalone');
  const signal = options.signal === undefined || options.signal === null ? null : parseSignalUrl(options.signal);
  const optionRules = parseHeaderRules(options.headers);

  const key = await loadPrivateKey(options.keyFile);
  const keyReal = await realpath(options.keyFile);
  if (isInside(root, keyReal)) throw keyInSiteError(options.keyFile);

  const config = resolveSiteConfig({
    publicKey: key.publicKey,
    keyId: key.keyId,
    signal,
    ...(options.iceServers !== undefined && { iceServers: options.iceServers }),
    ...(options.firstVisit !== undefined && { firstVisit: options.firstVisit }),
    ...(options.peerTimeoutMs !== undefined && { peerTimeoutMs: options.peerTimeoutMs }),
    ...(options.upload !== undefined && { upload: options.upload }),
    ...(options.maxPeers !== undefined && { maxPeers: options.maxPeers }),
    ...(options.uploadRateBytesPerSec !== undefined && { uploadRateBytesPerSec: options.uploadRateBytesPerSec }),
    ...(options.iceTransportPolicy !== undefined && { iceTransportPolicy: options.iceTransportPolicy }),
    ...(options.signalToken !== undefined && { signalToken: options.signalToken }),
    ...(options.region !== undefined && { region: options.region }),
  });
  const templates = await loadRuntimeTemplates(options.runtimeDir);
  const prelude = configPrelude(config);
  const killSwitch = options.killSwitch === true;
  // In embed mode the library is the only worker code (a kill-switch build turns it off itself).
  const swCode = swMode === 'embed' ? '' : killSwitch ? await loadKillSwitchTemplate(templates.dir) : templates.sw;
  const libCode = swMode === 'embed' ? await loadSwLibTemplate(templates.dir) : '';

  // Refuse a bad site (escaping symlink, leaked key, unsafe name) before writing anything.
  const walk = await walkSite(root);
  throwFirst(walk.problems);
  // `_headers` rules first, then the option's: where both set a header, both values are kept.
  const headersFile = await readHeadersFile(root);
  const headerRules = [...headersFile.rules, ...optionRules];

  const pagePath = within(root, PAGE_SCRIPT_PATH);
  const offPrelude = killSwitch ? KILL_SWITCH_PAGE_PRELUDE : '';
  await writeFileAtomic(pagePath, prelude + offPrelude + (swMode === 'embed' ? EMBED_PAGE_PRELUDE : '') + templates.page);
  // Written before hashing, like the page script, so the manifest lists it. Its first line names
  // the version: its bytes change with every deploy, so the browser's update check (which compares
  // imported scripts too) installs the site's worker again, which then accepts the new manifest.
  // A kill-switch build gets the same global as the page script: DeployNet then answers nothing.
  const libPath = within(root, `/${SW_LIB_TEMPLATE}`);
  if (swMode === 'embed') await writeFileAtomic(libPath, `/* deploynet manifest version ${version} */\n${prelude}${offPrelude}${libCode}`);
  const injected: string[] = [];
  if (options.inject) {
    for (const file of walk.files) {
      if (/\.html?$/i.test(file.path) && (await injectScriptTagIntoFile(file.absPath))) injected.push(file.path);
    }
  }

  const hashed = await hashSite(root, { chunkSize, onProgress: options.onProgress, beforeRead: options.beforeRead });
  const signedHeaders = applyHeaderRules(headerRules, hashed.files);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version,
    created: new Date(now).toISOString(),
    expires: new Date(now + expiresMs).toISOString(),
    keyId: key.keyId,
    chunkSize,
    files: signedHeaders.files,
    ...(signedHeaders.headers.length > 0 && { headers: signedHeaders.headers }),
  };
  const text = serializeManifest(manifest);
  const signature = sign(null, utf8Encode(text), key.privateKey);
  const envelopeText = serializeEnvelope({ format: ENVELOPE_FORMAT, keyId: key.keyId, signature: toBase64Url(signature), manifest: text });
  try {
    await verifyManifest(envelopeText, { publicKey: key.publicKey }, { crypto: nodeCrypto, now });
  } catch (err) {
    throw new DeployNetError('INTERNAL', `the manifest just built does not verify: ${err instanceof Error ? err.message : String(err)}`);
  }

  const manifestPath = within(root, MANIFEST_PATH);
  const swPath = within(root, SW_PATH);
  await writeFileAtomic(manifestPath, envelopeText);
  // The manifest's digest makes deploynet-sw.js differ byte for byte on every deploy, so the
  // browser's update check (on navigation) installs the new SW, which accepts the new manifest.
  const digest = createHash('sha256').update(envelopeText).digest('hex');
  if (swMode === 'standalone') await writeFileAtomic(swPath, `/* deploynet manifest version ${version} sha256 ${digest} */\n${prelude}${swCode}`);
  return {
    manifest,
    config,
    fileCount: hashed.fileCount,
    totalBytes: hashed.totalBytes,
    version,
    keyId: key.keyId,
    killSwitch,
    hostOnlyHeaders: headersFile.hostOnly,
    swMode,
    paths: { manifest: manifestPath, sw: swMode === 'embed' ? libPath : swPath, page: pagePath, injected },
  };
}
