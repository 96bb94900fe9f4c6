/**
 * The two files of a project `deploynet init` edits rather than writes: `.gitignore` (lines added
 * once, never duplicated) and `package.json` (one script added, an existing one of that name never
 * replaced). Both keep the file's line endings, and package.json its indentation.
 */
import { readFile } from 'node:fs/promises';
import { DeployNetError } from '../core/errors.js';
import { isRecord } from '../core/validate.js';
import { writeFileAtomic } from './atomic-write.js';
import { errnoCode, fsError } from './fs-errors.js';

const GITIGNORE_COMMENT = '# DeployNet private key: never commit it';

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw fsError('FILE_UNREADABLE', 'read', path, err);
  }
}

/** `/deploynet.key` is also covered by `deploynet.key` and `**\/deploynet.key`. */
function covers(line: string, pattern: string): boolean {
  const bare = pattern.replace(/^\//, '');
  return line === pattern || line === bare || line === `**/${bare}`;
}

/**
 * Adds each pattern the .gitignore at `path` lacks (creating the file if needed), under a comment
 * saying why. Returns the lines it added.
 */
export async function addGitignoreLines(path: string, patterns: readonly string[]): Promise<string[]> {
  const text = (await readIfExists(path)) ?? '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const missing = patterns.filter((p, i) => patterns.indexOf(p) === i && !lines.some((l) => covers(l, p)));
  if (missing.length === 0) return [];
  const block = [...(lines.includes(GITIGNORE_COMMENT) ? [] : [GITIGNORE_COMMENT]), ...missing];
  const sep = text === '' || text.endsWith('\n') ? '' : eol;
  await writeFileAtomic(path, `${text}${sep}${block.join(eol)}${eol}`);
  return missing;
}

/** added: written now; present: the same command was there; kept: another command of that name stays; none: no package.json. */
export type NpmScriptStatus = 'added' | 'present' | 'kept' | 'no-package-json';

function badPackage(path: string, why: string): DeployNetError {
  return new DeployNetError('BAD_CONFIG', `${path} ${why}; fix it, or run deploynet init where there is none`, { path });
}

/**
 * Reads and checks package.json at once (so a broken one stops `init` before anything is written)
 * and returns the write, to run last. A missing package.json is no error: there is nothing to add to.
 */
export async function addNpmScript(path: string, name: string, command: string): Promise<{ write(): Promise<NpmScriptStatus> }> {
  const text = await readIfExists(path);
  if (text === null) return { write: () => Promise.resolve('no-package-json') };
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch {
    throw badPackage(path, 'is not valid JSON');
  }
  if (!isRecord(pkg)) throw badPackage(path, 'does not hold a JSON object');
  const scripts = pkg.scripts ?? {};
  if (!isRecord(scripts)) throw badPackage(path, 'has a "scripts" that is not an object');
  const existing = scripts[name];
  if (existing === command) return { write: () => Promise.resolve('present') };
  if (existing !== undefined) return { write: () => Promise.resolve('kept') };
  return {
    async write() {
      const indent = /^\{\s*?\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const updated = { ...pkg, scripts: { ...scripts, [name]: command } };
      const body = JSON.stringify(updated, null, indent).replace(/\n/g, eol);
      await writeFileAtomic(path, /\r?\n$/.test(text) ? `${body}${eol}` : body);
      return 'added';
    },
  };
}
