/**
 * Build-time response header rules: "these URL paths get these headers", from a site's `_headers`
 * file (headers-file.ts) and from buildSite's `headers` option (the project file's `"headers"`).
 * The build turns them into the manifest's compact form: a table of the distinct header sets and,
 * per file, an index into it (core/manifest.ts), all covered by the signature.
 *
 * Paths: a pattern starts with `/`; `*` matches any run of characters, `/` included (a "splat", as
 * on Netlify and Cloudflare Pages); everything else matches itself. Patterns are matched against
 * the decoded URL paths of the files (write `/café.html`, not `/caf%C3%A9.html`). A file `…/index.html` is also reached as `…/` (and Netlify's
 * pretty URL `…` without the slash), so a rule for any of those applies to it. Every rule that
 * matches applies; a header set by several is joined with `, ` in rule order.
 */
import { DeployNetError } from '../core/errors.js';
import type { ManifestFile } from '../core/manifest.js';
import { MAX_HEADER_SETS, checkHeaderValue, headerEntries, mergeHeaderSets, parseHeaderSet, type HeaderSet } from '../core/response-headers.js';
import { isRecord } from '../core/validate.js';

export interface HeaderRule {
  /** The path pattern, checked by {@link checkPattern}. */
  readonly pattern: string;
  readonly headers: HeaderSet;
  /** Where the rule was written, for messages: `_headers line 3`, `headers["/*"]`. */
  readonly where: string;
}

/** The `headers` option: path pattern → `{ "Header-Name": "value" }`, in the order written. */
export type HeaderRulesOption = Readonly<Record<string, Readonly<Record<string, string>>>>;

const MAX_SPLATS = 4;

/** A path pattern the build can match; throws BAD_CONFIG naming `where` otherwise. */
export function checkPattern(pattern: string, where: string): string {
  const bad = (why: string): never => {
    throw new DeployNetError('BAD_CONFIG', `${where}: the path ${JSON.stringify(pattern)} ${why}`, { field: where });
  };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pattern)) bad('is a full URL; DeployNet matches paths only, so write it as a path starting with /');
  if (!pattern.startsWith('/')) bad('must start with /');
  if (pattern.length > 1024) bad('is longer than 1024 characters');
  if (/[\s\u0000-\u001f\u007f?#\\]/.test(pattern)) bad('must not hold spaces, control characters, ?, # or \\ (query strings are not matched)');
  if (/\/:[A-Za-z]/.test(pattern)) bad('uses a :placeholder, which DeployNet does not support; use * instead');
  // Each * is a `.*` in the matcher: a few keep matching fast whatever the path.
  if (pattern.split('*').length - 1 > MAX_SPLATS) bad(`has more than ${MAX_SPLATS} * splats`);
  return pattern;
}

/** Does `pattern` match this decoded URL path? */
export function patternMatches(pattern: string, urlPath: string): boolean {
  if (!pattern.includes('*')) return pattern === urlPath;
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`, 's').test(urlPath);
}

/** The URL paths a listed file is served at (see the module comment). */
export function urlPathsOf(filePath: string): string[] {
  if (!filePath.endsWith('/index.html')) return [filePath];
  const dir = filePath.slice(0, -'index.html'.length);
  return dir === '/' ? [filePath, dir] : [filePath, dir, dir.slice(0, -1)];
}

/** Validates the `headers` option (from JS or the project file): one sentence naming the pattern and header on error. */
export function parseHeaderRules(value: unknown, field = 'headers'): HeaderRule[] {
  if (value === undefined) return [];
  if (!isRecord(value)) {
    throw new DeployNetError('BAD_CONFIG', `${field} must be an object mapping path patterns to header objects, e.g. {"/*": {"X-Frame-Options": "DENY"}}`, { field });
  }
  return Object.entries(value).map(([pattern, headers]) => {
    const where = `${field}[${JSON.stringify(pattern)}]`;
    return { pattern: checkPattern(pattern, where), headers: parseHeaderSet(headers, where, 'BAD_CONFIG', false), where };
  });
}

/** Validated rules back in the option's shape (header names lowercased), e.g. for a parsed project file. */
export function headerRulesOption(rules: readonly HeaderRule[]): HeaderRulesOption {
  return Object.fromEntries(rules.map((rule) => [rule.pattern, Object.fromEntries(headerEntries(rule.headers))]));
}

export interface HeaderTable {
  /** The distinct sets, in the order first used by the sorted files. */
  readonly headers: readonly HeaderSet[];
  /** The files with their `headers` index set (files no rule matches are unchanged). */
  readonly files: Readonly<Record<string, ManifestFile>>;
}

/** Applies the rules to every listed file: the manifest's headers table and per-file indices. */
export function applyHeaderRules(rules: readonly HeaderRule[], files: Readonly<Record<string, ManifestFile>>): HeaderTable {
  if (rules.length === 0) return { headers: [], files };
  const sets: HeaderSet[] = [];
  const indexOf = new Map<string, number>();
  const out: Record<string, ManifestFile> = {};
  for (const path of Object.keys(files).sort()) {
    const file = files[path]!;
    const urls = urlPathsOf(path);
    const matching = rules.filter((rule) => urls.some((url) => patternMatches(rule.pattern, url)));
    if (matching.length === 0) {
      out[path] = file;
      continue;
    }
    const set = mergeHeaderSets(matching.map((rule) => rule.headers));
    // Joined values can outgrow the limit each one met on its own.
    for (const [name, value] of Object.entries(set)) checkHeaderValue(value, `the ${name} header of ${path} (joined from ${matching.map((r) => r.where).join(', ')})`, 'BAD_CONFIG');
    const key = JSON.stringify(set);
    let index = indexOf.get(key);
    if (index === undefined) {
      index = sets.push(set) - 1;
      indexOf.set(key, index);
      if (sets.length > MAX_HEADER_SETS) {
        throw new DeployNetError('BAD_CONFIG', `the header rules give more than ${MAX_HEADER_SETS} different sets of headers; merge rules that differ only slightly`);
      }
    }
    out[path] = { ...file, headers: index };
  }
  return { headers: sets, files: out };
}
