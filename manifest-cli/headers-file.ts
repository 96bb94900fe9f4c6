/**
 * A site's `_headers` file, in the format Netlify and Cloudflare Pages read, so a site that already
 * has one keeps its security headers under DeployNet:
 *
 *   # a comment
 *   /*
 *     X-Frame-Options: DENY
 *     Content-Security-Policy: script-src 'self'
 *   /admin/index.html
 *     Referrer-Policy: no-referrer
 *
 * A line starting at the left margin is a path pattern (header-rules.ts: exact paths and `*`
 * splats); the indented `Name: value` lines under it are its headers. Blank lines and lines
 * starting with `#` are skipped. The same header twice under one path is joined with `, `.
 * Not supported, and refused with the line number rather than ignored: `:placeholder` paths, full
 * URLs, `! Name` (Cloudflare's detach).
 *
 * Only headers on DeployNet's allow-list (core/response-headers.ts) are signed. The file is the
 * host's too, and holds headers that are the host's business (Cache-Control for deploynet-sw.js,
 * as docs/deploying.md tells Netlify users to write, CORS, X-Robots-Tag): those are left to the
 * host and reported back (`hostOnly`), not refused, or following our own deploying guide would
 * break the build. A name one or two letters away from an allowed one (`X-Frame-Option`) is
 * refused: a misspelt security header must not pass silently as a host header.
 *
 * The file itself is not listed in the manifest (walk-site.ts skips it at the root): hosts that
 * read it do not serve it.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployNetError } from '../core/errors.js';
import { RESPONSE_HEADER_NAMES, allowedHeadersText, checkHeaderValue, isResponseHeaderName, mergeHeaderSets, type HeaderSet } from '../core/response-headers.js';
import { fsError } from './fs-errors.js';
import { checkPattern, type HeaderRule } from './header-rules.js';
import { editDistance } from './edit-distance.js';

/** Larger than any real `_headers` file; past it the build refuses rather than read on. */
const MAX_HEADERS_FILE_BYTES = 1024 * 1024;

export interface HeadersFile {
  /** The rules with their allow-listed headers (paths left with none are dropped). */
  readonly rules: readonly HeaderRule[];
  /** Other header names the file sets, as first written, for the host alone: not signed. */
  readonly hostOnly: readonly string[];
}

/** Parses the text of a `_headers` file; `label` names it in messages (`_headers`). */
export function parseHeadersFile(text: string, label = '_headers'): HeadersFile {
  const rules: HeaderRule[] = [];
  const hostOnly = new Map<string, string>();
  let current: { pattern: string; where: string; sets: HeaderSet[] } | undefined;
  const close = () => {
    if (current && current.sets.length > 0) rules.push({ pattern: current.pattern, headers: mergeHeaderSets(current.sets), where: current.where });
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${label} line ${i + 1}`;
    const line = raw.trimEnd();
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed === line) {
      close();
      current = { pattern: checkPattern(trimmed, where), where, sets: [] };
      return;
    }
    if (!current) throw new DeployNetError('BAD_CONFIG', `${where}: a header comes before any path; put a path line (e.g. /*) above it`, { field: where });
    if (trimmed.startsWith('!')) throw new DeployNetError('BAD_CONFIG', `${where}: "! Name" (removing a header) is not supported by DeployNet`, { field: where });
    const colon = trimmed.indexOf(':');
    if (colon <= 0) throw new DeployNetError('BAD_CONFIG', `${where}: expected an indented "Name: value" line`, { field: where });
    const written = trimmed.slice(0, colon).trim();
    const name = written.toLowerCase();
    if (!isResponseHeaderName(name)) {
      const near = RESPONSE_HEADER_NAMES.find((allowed) => editDistance(allowed, name) <= 2);
      if (near) {
        throw new DeployNetError('BAD_CONFIG', `${where}: "${written}" looks like a misspelt ${near}; DeployNet signs only ${allowedHeadersText()}`, { field: where, header: written });
      }
      if (!hostOnly.has(name)) hostOnly.set(name, written);
      return;
    }
    const value = checkHeaderValue(trimmed.slice(colon + 1).trim(), `${where} (${written})`, 'BAD_CONFIG');
    current.sets.push({ [name]: value });
  });
  close();
  return { rules, hostOnly: [...hostOnly.values()] };
}

/** The `_headers` file at the root of the site folder `root`, if there is one; no rules otherwise. */
export async function readHeadersFile(root: string): Promise<HeadersFile> {
  const absPath = join(root, '_headers');
  const entry = await stat(absPath).then(
    (st) => (st.isFile() ? { absPath, size: st.size } : null),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw fsError('FILE_UNREADABLE', 'read', '_headers', err);
    },
  );
  if (!entry) return { rules: [], hostOnly: [] };
  if (entry.size > MAX_HEADERS_FILE_BYTES) {
    throw new DeployNetError('BAD_CONFIG', `_headers is larger than ${MAX_HEADERS_FILE_BYTES} bytes; DeployNet reads only small header files`, { path: entry.absPath });
  }
  let text: string;
  try {
    text = await readFile(entry.absPath, 'utf8');
  } catch (err) {
    throw fsError('FILE_UNREADABLE', 'read', '_headers', err);
  }
  return parseHeadersFile(text);
}
