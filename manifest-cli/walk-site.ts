/**
 * Lists the files of SITE_DIR that the manifest will hold: recursive, sorted by name (code units),
 * so two runs over the same tree agree. Skipped: dot-files and dot-directories, and at the root
 * the files the build writes last (`deploynet-manifest.json`, `deploynet-sw.js`) and static hosts'
 * configuration files (`_headers`, `_redirects`: Netlify and Cloudflare Pages read them and do not
 * serve them, so a visitor could never fetch them). Symlinks are
 * followed when they resolve inside SITE_DIR. Problems are collected, not thrown, so `verify`
 * can list them all while `build` stops at the first.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, isAbsolute, sep } from 'node:path';
import { DeployNetError } from '../core/errors.js';
import { MANIFEST_PATH, SW_PATH, isSafeManifestPath } from '../core/manifest.js';
import { fsError, reasonOf } from './fs-errors.js';
import { KEY_SNIFF_BYTES, keyInSiteError, looksLikePrivateKey } from './leaked-key.js';

/** Wire offsets are u32 (core/wire.ts), so this is the largest file a manifest can list. */
export const MAX_FILE_SIZE = 2 ** 32 - 1;

export interface SiteEntry {
  /** URL path, e.g. `/css/site.css`. */
  readonly path: string;
  /** Real path on disk (symlinks resolved). */
  readonly absPath: string;
  readonly size: number;
}

export interface WalkResult {
  readonly files: readonly SiteEntry[];
  readonly problems: readonly DeployNetError[];
}

const SKIPPED_AT_ROOT = new Set([MANIFEST_PATH.slice(1), SW_PATH.slice(1), '_headers', '_redirects']);

/** Resolves SITE_DIR to its real path; SITE_DIR_MISSING when it is not a directory. */
export async function resolveSiteDir(siteDir: string): Promise<string> {
  try {
    const real = await realpath(siteDir);
    if ((await stat(real)).isDirectory()) return real;
  } catch {
    // fall through to the one message below
  }
  throw new DeployNetError('SITE_DIR_MISSING', `${siteDir} is not a directory; pass the folder that holds your built site`, { path: siteDir });
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function sniffKey(absPath: string, path: string): Promise<DeployNetError | undefined> {
  let handle;
  try {
    handle = await open(absPath, 'r');
    const buf = Buffer.alloc(KEY_SNIFF_BYTES);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return looksLikePrivateKey(buf.subarray(0, bytesRead)) ? keyInSiteError(path) : undefined;
  } catch (err) {
    return fsError('FILE_UNREADABLE', 'read', path, err);
  } finally {
    await handle?.close();
  }
}

/** `root` must be a real path (see resolveSiteDir). */
export async function walkSite(root: string): Promise<WalkResult> {
  const files: SiteEntry[] = [];
  const problems: DeployNetError[] = [];
  const seenDirs = new Set<string>([root]);

  async function walkDir(dir: string, urlPrefix: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push(fsError('FILE_UNREADABLE', 'list the directory', urlPrefix || '/', err));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith('.')) continue;
      if (urlPrefix === '' && SKIPPED_AT_ROOT.has(name)) continue;
      const path = `${urlPrefix}/${name}`;
      let absPath = join(dir, name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let st;
        try {
          absPath = await realpath(absPath);
          st = await stat(absPath);
        } catch (err) {
          problems.push(new DeployNetError('FILE_UNREADABLE', `${path} is a symbolic link that cannot be followed: ${reasonOf(err)}`, { path }));
          continue;
        }
        if (!isInside(root, absPath)) {
          problems.push(new DeployNetError('PATH_ESCAPES_SITE', `${path} is a symbolic link to ${absPath}, outside the site directory`, { path, target: absPath }));
          continue;
        }
        isDir = st.isDirectory();
        isFile = st.isFile();
      }
      if (isDir) {
        if (seenDirs.has(absPath)) continue; // a symlink cycle or a second link to the same folder
        seenDirs.add(absPath);
        await walkDir(absPath, path);
        continue;
      }
      if (!isFile) continue; // sockets, FIFOs, devices: nothing a web origin serves
      if (!isSafeManifestPath(path)) {
        problems.push(new DeployNetError('PATH_UNSAFE', `${JSON.stringify(path)} cannot be a URL path (no ?, #, \\ or control characters in names); rename it`, { path }));
        continue;
      }
      let size: number;
      try {
        size = (await stat(absPath)).size;
      } catch (err) {
        problems.push(fsError('FILE_UNREADABLE', 'read', path, err));
        continue;
      }
      if (size > MAX_FILE_SIZE) {
        problems.push(new DeployNetError('BAD_ARGUMENT', `${path} is larger than 4 GiB, the largest file DeployNet can list`, { path, size }));
        continue;
      }
      const leaked = await sniffKey(absPath, path);
      if (leaked) {
        problems.push(leaked);
        continue;
      }
      files.push({ path, absPath, size });
    }
  }

  await walkDir(root, '');
  return { files, problems };
}
