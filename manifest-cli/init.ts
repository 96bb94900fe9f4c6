/**
 * `deploynet init`: sets a project up in one step. Writes a key pair, `deploynet.config.json`
 * with every setting at its default, a `.gitignore` line for the private key and an npm script
 * for the build. Everything that can be refused (an existing key or config without `force`, an
 * unreadable package.json) is checked before the first write. With `force` an existing private key
 * is renamed aside, never deleted: a lost key cannot be recovered.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../core/chunks.js';
import { DeployNetError } from '../core/errors.js';
import { SITE_CONFIG_DEFAULTS, parseSignalUrl } from '../core/site-config.js';
import { writeFileAtomic } from './atomic-write.js';
import { DEFAULT_EXPIRES } from './build-site.js';
import { errnoCode, fsError } from './fs-errors.js';
import { generateKeyPair, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from './keys.js';
import { addGitignoreLines, addNpmScript, type NpmScriptStatus } from './init-files.js';
import { configLabel, parseProjectConfig, PROJECT_CONFIG_FILE } from './project-config.js';

export interface InitProjectOptions {
  /** The project folder: .gitignore and package.json live here (default: the current directory). */
  readonly dir?: string;
  /** The config file to write (default: deploynet.config.json in `dir`). */
  readonly configFile?: string;
  /** Where the key pair goes (default: `dir`). */
  readonly keyDir?: string;
  /** The built site, relative to `dir` (default `dist`); the config records it relative to itself. */
  readonly siteDir?: string;
  /** The signal node's base URL (default: none, a site without peers until you set one). */
  readonly signal?: string | null;
  /** Replace an existing config, and move an existing private key aside for a new one. */
  readonly force?: boolean;
  /** Name of the npm script (default `deploynet`). */
  readonly scriptName?: string;
  /** Milliseconds since the epoch, for the name of a replaced key (default Date.now()). */
  readonly now?: number;
}

export interface InitProjectResult {
  readonly configFile: string;
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
  readonly keyId: string;
  /** Where an existing private key was moved to (with `force`), or null. */
  readonly replacedKey: string | null;
  /** The .gitignore and the lines added to it (none when they were there), or null when the key is outside the project. */
  readonly gitignore: { readonly path: string; readonly added: readonly string[] } | null;
  readonly script: { readonly name: string; readonly command: string; readonly status: NpmScriptStatus };
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    if (errnoCode(err) === 'EISDIR') return true;
    throw fsError('FILE_UNREADABLE', 'read', path, err);
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * A path as the config file records it: relative to the file's folder when the path is in the
 * project (so the project can move), absolute when it is elsewhere (e.g. a key in ~/.deploynet).
 */
function recorded(base: string, path: string, projectDir = base): string {
  const local = path === projectDir || path === base || inside(projectDir, path) || inside(base, path);
  return local ? relative(base, path).split(sep).join('/') || '.' : path;
}

/** `.gitignore` pattern for a file inside the project, anchored to the project root. */
function ignorePattern(projectDir: string, path: string): string | null {
  return inside(projectDir, path) ? `/${relative(projectDir, path).split(sep).join('/')}` : null;
}

function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The config `init` writes: every setting, at its default unless given. */
export function initialConfig(
  base: string,
  projectDir: string,
  options: { siteDir: string; keyFile: string; pubFile: string; signal: string | null },
): Record<string, unknown> {
  return {
    siteDir: recorded(base, options.siteDir, projectDir),
    keyFile: recorded(base, options.keyFile, projectDir),
    pubFile: recorded(base, options.pubFile, projectDir),
    signal: options.signal,
    signalToken: SITE_CONFIG_DEFAULTS.signalToken,
    iceServers: SITE_CONFIG_DEFAULTS.iceServers,
    iceTransportPolicy: SITE_CONFIG_DEFAULTS.iceTransportPolicy,
    region: SITE_CONFIG_DEFAULTS.region,
    chunkSize: DEFAULT_CHUNK_SIZE,
    firstVisit: SITE_CONFIG_DEFAULTS.firstVisit,
    peerTimeoutMs: SITE_CONFIG_DEFAULTS.peerTimeoutMs,
    upload: SITE_CONFIG_DEFAULTS.upload,
    maxPeers: SITE_CONFIG_DEFAULTS.maxPeers,
    uploadRateBytesPerSec: SITE_CONFIG_DEFAULTS.uploadRateBytesPerSec,
    expires: DEFAULT_EXPIRES,
    inject: true,
    swMode: 'standalone',
  };
}

/**
 * Sets a project up for DeployNet (see the file comment). Throws BAD_ARGUMENT when the config or
 * the key exists and `force` is not set, before writing anything.
 *
 * @example
 *   const r = await initProject({ siteDir: 'public', signal: 'https://signal.example.com' });
 *   console.log(r.configFile, r.keyId);
 */
export async function initProject(options: InitProjectOptions = {}): Promise<InitProjectResult> {
  const dir = resolve(options.dir ?? '.');
  const configFile = resolve(dir, options.configFile ?? PROJECT_CONFIG_FILE);
  const keyDir = resolve(dir, options.keyDir ?? '.');
  const privateKeyPath = join(keyDir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(keyDir, PUBLIC_KEY_FILE);
  const siteDir = resolve(dir, options.siteDir ?? 'dist');
  const signal = options.signal === undefined || options.signal === null ? null : parseSignalUrl(options.signal);
  const force = options.force === true;
  const scriptName = options.scriptName ?? 'deploynet';

  if (!force && (await exists(configFile))) {
    throw new DeployNetError('BAD_ARGUMENT', `${configLabel(configFile, dir)} already exists; edit it, or pass --force to write a new one`, { path: configFile });
  }
  const keyExists = await exists(privateKeyPath);
  if (!force && keyExists) {
    throw new DeployNetError('KEY_EXISTS', `${privateKeyPath} already exists; pass --force to make a new key (the old one is kept, renamed)`, { path: privateKeyPath });
  }
  const config = initialConfig(dirname(configFile), dir, { siteDir, keyFile: privateKeyPath, pubFile: publicKeyPath, signal });
  parseProjectConfig(config, configFile, dir); // what init writes, every command must accept
  const configText = `${JSON.stringify(config, null, 2)}\n`;
  // Reads and checks package.json now, so a broken one stops init before it writes anything.
  const command = `deploynet build${configFile === join(dir, PROJECT_CONFIG_FILE) ? '' : ` --config ${recorded(dir, configFile)}`}`;
  const script = await addNpmScript(join(dir, 'package.json'), scriptName, command);

  try {
    await mkdir(dirname(configFile), { recursive: true });
  } catch (err) {
    throw fsError('FILE_UNWRITABLE', 'create the folder of', configFile, err);
  }
  let replacedKey: string | null = null;
  if (keyExists) {
    replacedKey = `${privateKeyPath}.${stamp(options.now ?? Date.now())}.old`;
    try {
      await rename(privateKeyPath, replacedKey);
    } catch (err) {
      throw fsError('FILE_UNWRITABLE', 'move the old key aside to', replacedKey, err);
    }
  }
  const keys = await generateKeyPair(keyDir);
  await writeFileAtomic(configFile, configText);

  const patterns = [privateKeyPath, ...(replacedKey ? [replacedKey] : [])].map((p) => ignorePattern(dir, p));
  const wanted = patterns.filter((p): p is string => p !== null);
  const gitignorePath = join(dir, '.gitignore');
  const gitignore = wanted.length === 0 ? null : { path: gitignorePath, added: await addGitignoreLines(gitignorePath, wanted) };
  const status = await script.write();
  return { configFile, privateKeyPath: keys.privateKeyPath, publicKeyPath: keys.publicKeyPath, keyId: keys.keyId, replacedKey, gitignore, script: { name: scriptName, command, status } };
}
