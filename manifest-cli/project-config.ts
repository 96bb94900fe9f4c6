/**
 * The project file `deploynet.config.json`: the settings of `deploynet build` (and the defaults of
 * verify, serve, keygen and signal) that belong with a site's source, written by `deploynet init`.
 * Every command reads it; command-line flags win over it. Validation is by hand, like core's:
 * each bad value is one sentence naming the file and the field, and an unknown field is an error,
 * so a typo (`"chunksize"`) cannot silently fall back to a default.
 *
 * Paths in the file (siteDir, keyFile, pubFile) are relative to the file's own folder, so any
 * command can name it with `--config` from anywhere.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, isValidChunkSize } from '../core/chunks.js';
import { DeployNetError, isDeployNetError } from '../core/errors.js';
import { REGION } from '../core/swarm.js';
import { SIGNAL_TOKEN, resolveSiteConfig, type FirstVisitMode, type IceServer, type IceTransportPolicy, type SiteConfig } from '../core/site-config.js';
import { bool, isRecord, oneOf } from '../core/validate.js';
import { resolveSignalConfig, type SignalConfig } from '../signal/index.js';
import { SW_MODES, type SwMode } from './build-site.js';
import { parseDuration } from './duration.js';
import { headerRulesOption, parseHeaderRules, type HeaderRulesOption } from './header-rules.js';
import { errnoCode, fsError } from './fs-errors.js';
import { editDistance } from './edit-distance.js';

/** The file every command looks for in the current directory when no `--config` is given. */
export const PROJECT_CONFIG_FILE = 'deploynet.config.json';

/** Settings of `deploynet signal` a project file may hold (secrets, siteTokens and redis, may not). */
export const SIGNAL_NODE_FIELDS = [
  'port', 'host', 'allowedOrigins', 'trustProxy', 'maxPeers', 'maxConnectionsPerAddress', 'messageRate',
  'messageBurst', 'maxMessageBytes', 'maxSwarmAnswer', 'drainTimeoutMs', 'logLevel', 'presenceTtlMs', 'pingIntervalMs',
] as const satisfies readonly (keyof SignalConfig)[];
type SignalNodeField = (typeof SIGNAL_NODE_FIELDS)[number];
export type ProjectSignalNodeOptions = { readonly [K in SignalNodeField]?: SignalConfig[K] };

/** A validated project file. Absent fields take the command's default; paths are absolute. */
export interface ProjectConfig {
  /** Absolute path of the file this came from. */
  readonly file: string;
  /** The built site (build, verify and serve use it when no SITE_DIR is given). */
  readonly siteDir?: string;
  /** The private key build signs with (`--key`). */
  readonly keyFile?: string;
  /** The public key verify checks with (`--pub`). */
  readonly pubFile?: string;
  readonly signal?: string | null;
  readonly signalToken?: string | null;
  readonly region?: string | null;
  readonly iceServers?: readonly IceServer[];
  readonly iceTransportPolicy?: IceTransportPolicy;
  readonly chunkSize?: number;
  readonly firstVisit?: FirstVisitMode;
  readonly peerTimeoutMs?: number;
  readonly upload?: boolean;
  readonly maxPeers?: number;
  readonly uploadRateBytesPerSec?: number;
  readonly expires?: string;
  readonly inject?: boolean;
  /** `embed` when the site's own service worker imports DeployNet (see buildSite's swMode). */
  readonly swMode?: SwMode;
  /** Response headers to sign into the manifest: path pattern → header object (see buildSite's `headers`). */
  readonly headers?: HeaderRulesOption;
  /** Defaults for `deploynet signal` (its flags and DEPLOYNET_SIGNAL_* variables win). */
  readonly signalNode?: ProjectSignalNodeOptions;
}

type Field = Exclude<keyof ProjectConfig, 'file'>;
const FIELDS = [
  'siteDir', 'keyFile', 'pubFile', 'signal', 'signalToken', 'region', 'iceServers', 'iceTransportPolicy', 'chunkSize',
  'firstVisit', 'peerTimeoutMs', 'upload', 'maxPeers', 'uploadRateBytesPerSec', 'expires', 'inject', 'swMode', 'signalNode', 'headers',
] as const satisfies readonly Field[];
/** Fields core's resolveSiteConfig checks (ranges and formats live there, once). */
const SITE_FIELDS = ['signal', 'iceServers', 'firstVisit', 'peerTimeoutMs', 'upload', 'maxPeers', 'uploadRateBytesPerSec'] as const;

/** How a message names the file: relative to the current directory when inside it. */
export function configLabel(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function configError(label: string, field: string, rest: string): DeployNetError {
  return new DeployNetError('BAD_CONFIG', `${label}: "${field}" ${rest}`, { field });
}

/** Turns core's `field must be …` (details.field) into `file: "field" must be …, not <value>`. */
function reword(err: unknown, label: string, prefix: string, raw: Record<string, unknown>): never {
  if (!isDeployNetError(err) || typeof err.details.field !== 'string') throw err;
  const field = err.details.field;
  const rest = err.message.startsWith(field) ? err.message.slice(field.length).trim() : `is wrong: ${err.message}`;
  const value = raw[field];
  const shown = (typeof value === 'number' || typeof value === 'boolean') && !/, not /.test(rest) ? `, not ${String(value)}` : '';
  throw configError(label, `${prefix}${field}`, `${rest}${shown}`);
}

function checkKnown(label: string, raw: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const name of Object.keys(raw)) {
    if (known.includes(name)) continue;
    const near = known.find((k) => k.toLowerCase() === name.toLowerCase() || editDistance(k.toLowerCase(), name.toLowerCase()) <= 2);
    const hint = near ? `; did you mean "${prefix}${near}"?` : `; the fields are ${known.join(', ')}`;
    throw configError(label, `${prefix}${name}`, `is not a DeployNet setting${hint}`);
  }
}

function path(label: string, raw: Record<string, unknown>, field: 'siteDir' | 'keyFile' | 'pubFile', base: string): string | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw configError(label, field, `must be a path (relative to the config file's folder), not ${JSON.stringify(value)}`);
  return resolve(base, value);
}

function nullableText(label: string, raw: Record<string, unknown>, field: 'signalToken' | 'region', pattern: RegExp, what: string): string | null | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || !pattern.test(value)) throw configError(label, field, `must be ${what}, or null`);
  return value;
}

function parseSignalNode(label: string, value: unknown): ProjectSignalNodeOptions {
  if (!isRecord(value)) throw configError(label, 'signalNode', 'must be an object of `deploynet signal` settings');
  for (const secret of ['siteTokens', 'redis']) {
    if (value[secret] !== undefined) {
      const env = secret === 'redis' ? 'DEPLOYNET_SIGNAL_REDIS' : 'DEPLOYNET_SIGNAL_SITE_TOKENS';
      throw configError(label, `signalNode.${secret}`, `may hold a secret, which does not belong in a project file; set ${env} where the node runs`);
    }
  }
  checkKnown(label, value, SIGNAL_NODE_FIELDS, 'signalNode.');
  let resolved: SignalConfig;
  try {
    resolved = resolveSignalConfig(value);
  } catch (err) {
    reword(err, label, 'signalNode.', value);
  }
  const out: { -readonly [K in SignalNodeField]?: SignalConfig[K] } = {};
  const copy = <K extends SignalNodeField>(field: K): void => {
    if (value[field] !== undefined) out[field] = resolved[field];
  };
  for (const field of SIGNAL_NODE_FIELDS) copy(field);
  return out;
}

/** The `headers` field: its messages already name the pattern and header (`headers["/*"]: …`). */
function parseHeadersField(label: string, value: unknown): HeaderRulesOption {
  try {
    return headerRulesOption(parseHeaderRules(value, 'headers'));
  } catch (err) {
    if (!isDeployNetError(err)) throw err;
    throw new DeployNetError('BAD_CONFIG', `${label}: ${err.message}`, { field: 'headers' });
  }
}

/**
 * Validates the parsed JSON of a project file. `file` is where it came from: relative paths in it
 * are resolved against that file's folder, and every error message starts with its name.
 */
export function parseProjectConfig(value: unknown, file: string, cwd = process.cwd()): ProjectConfig {
  const abs = resolve(cwd, file);
  const label = configLabel(abs, cwd);
  const base = dirname(abs);
  if (!isRecord(value)) throw new DeployNetError('BAD_CONFIG', `${label} must hold a JSON object of settings, e.g. {"siteDir": "dist"}`, { path: abs });
  checkKnown(label, value, FIELDS, '');

  const signalToken = nullableText(label, value, 'signalToken', SIGNAL_TOKEN, '16 to 128 characters of A-Z, a-z, 0-9, _ and - (the signal node\'s --site-tokens)');
  const region = nullableText(label, value, 'region', REGION, '1 to 32 characters of a-z, 0-9 and -, e.g. "eu-west"');
  const site: Record<string, unknown> = { publicKey: 'A'.repeat(43), keyId: '0'.repeat(16) };
  for (const f of SITE_FIELDS) if (value[f] !== undefined) site[f] = value[f];
  let checked: SiteConfig;
  try {
    checked = resolveSiteConfig(site);
  } catch (err) {
    reword(err, label, '', value);
  }
  const chunkSize = value.chunkSize;
  if (chunkSize !== undefined && (typeof chunkSize !== 'number' || !isValidChunkSize(chunkSize))) {
    throw configError(label, 'chunkSize', `must be a power of two from ${MIN_CHUNK_SIZE} (16 KiB) to ${MAX_CHUNK_SIZE} (4 MiB) bytes, e.g. 262144, not ${JSON.stringify(chunkSize)}`);
  }
  const at = <T>(field: Field, check: () => T): T | undefined => {
    if (value[field] === undefined) return undefined;
    try {
      return check();
    } catch (err) {
      reword(err, label, '', value);
    }
  };
  const iceTransportPolicy = at('iceTransportPolicy', () => oneOf(value.iceTransportPolicy, 'iceTransportPolicy', 'BAD_CONFIG', ['all', 'relay'] as const));
  const expires = at('expires', () => (parseDuration(value.expires, 'expires'), String(value.expires)));
  const inject = at('inject', () => bool(value.inject, 'inject', 'BAD_CONFIG'));
  const swMode = at('swMode', () => oneOf(value.swMode, 'swMode', 'BAD_CONFIG', SW_MODES));
  const signalNode = value.signalNode === undefined ? undefined : parseSignalNode(label, value.signalNode);
  const headers = value.headers === undefined ? undefined : parseHeadersField(label, value.headers);

  const siteDir = path(label, value, 'siteDir', base);
  const keyFile = path(label, value, 'keyFile', base);
  const pubFile = path(label, value, 'pubFile', base);
  return {
    file: abs,
    ...(siteDir !== undefined && { siteDir }),
    ...(keyFile !== undefined && { keyFile }),
    ...(pubFile !== undefined && { pubFile }),
    ...(value.signal !== undefined && { signal: checked.signal }),
    ...(signalToken !== undefined && { signalToken }),
    ...(region !== undefined && { region }),
    ...(value.iceServers !== undefined && { iceServers: checked.iceServers }),
    ...(iceTransportPolicy !== undefined && { iceTransportPolicy }),
    ...(typeof chunkSize === 'number' && { chunkSize }),
    ...(value.firstVisit !== undefined && { firstVisit: checked.firstVisit }),
    ...(value.peerTimeoutMs !== undefined && { peerTimeoutMs: checked.peerTimeoutMs }),
    ...(value.upload !== undefined && { upload: checked.upload }),
    ...(value.maxPeers !== undefined && { maxPeers: checked.maxPeers }),
    ...(value.uploadRateBytesPerSec !== undefined && { uploadRateBytesPerSec: checked.uploadRateBytesPerSec }),
    ...(expires !== undefined && { expires }),
    ...(inject !== undefined && { inject }),
    ...(swMode !== undefined && { swMode }),
    ...(signalNode !== undefined && { signalNode }),
    ...(headers !== undefined && { headers }),
  };
}

/** `Unexpected token } in JSON at position 40` → `line 3, column 5`, when the position is known. */
function jsonWhere(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return message.split('"')[0]!.replace(/[\s,.]+$/, '');
  const before = text.slice(0, Number(m[1]));
  const lines = before.split('\n');
  return `${message.split(/ in JSON| at position/)[0]!.split('"')[0]!.replace(/[\s,.]+$/, '')} at line ${lines.length}, column ${lines.at(-1)!.length + 1}`;
}

/**
 * Reads and validates a project file. Without `file`, reads `deploynet.config.json` in `cwd` and
 * resolves null when there is none; a named file that is missing is an error. Throws
 * DeployNetError (BAD_CONFIG, FILE_UNREADABLE) with one sentence naming the file and field.
 *
 * @example
 *   const config = await readProjectConfig();           // ./deploynet.config.json, or null
 *   await buildSite(buildSiteOptionsFromConfig(config, { version: 42 }));
 */
export async function readProjectConfig(file?: string, options: { readonly cwd?: string } = {}): Promise<ProjectConfig | null> {
  const cwd = options.cwd ?? process.cwd();
  const abs = resolve(cwd, file ?? PROJECT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    if (file === undefined && errnoCode(err) === 'ENOENT') return null;
    throw fsError('FILE_UNREADABLE', 'read the config file', configLabel(abs, cwd), err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, '')); // some editors write a byte-order mark
  } catch (err) {
    const why = jsonWhere(text, err instanceof Error ? err.message : String(err));
    throw new DeployNetError('BAD_CONFIG', `${configLabel(abs, cwd)} is not valid JSON (${why})`, { path: abs });
  }
  return parseProjectConfig(value, abs, cwd);
}
