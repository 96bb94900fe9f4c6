/**
 * What the CLI prints: sizes, each command's result (a line of text, or one JSON line with
 * --json), progress on a terminal, errors. Hints for people (next steps) are printed only on a
 * terminal; piped output is results only.
 */
import type { DeployNetError } from '../core/errors.js';
import type { HashProgress } from './hash-site.js';
import type { BuildSiteResult } from './build-site.js';
import type { GeneratedKeyPair } from './keys.js';
import type { InitProjectResult } from './init.js';
import type { VerifySiteResult } from './verify-site.js';

/** Where the CLI writes: process.stdout/stderr, or a test's capture. */
export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Decimal units, one decimal: `7.1 MB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 999.95 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function buildSummary(r: BuildSiteResult): string {
  const hostOnly = r.hostOnlyHeaders.length > 0 ? `\n_headers: ${r.hostOnlyHeaders.join(', ')} left to the host (not signed)` : '';
  return `built version ${r.version}: ${r.fileCount} files, ${formatBytes(r.totalBytes)}, key ${r.keyId}${hostOnly}`;
}

export function buildJson(r: BuildSiteResult): string {
  return JSON.stringify({ ok: true, version: r.version, keyId: r.keyId, fileCount: r.fileCount, totalBytes: r.totalBytes, expires: r.manifest.expires, paths: r.paths, hostOnlyHeaders: r.hostOnlyHeaders });
}

/** A progress printer for a terminal: one line, rewritten at most every 100 ms. */
export function progressPrinter(stream: OutStream): { update(p: HashProgress): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.bytesDone < p.bytesTotal) return;
      last = now;
      shown = true;
      const pct = p.bytesTotal === 0 ? 100 : Math.floor((p.bytesDone / p.bytesTotal) * 100);
      stream.write(`\r\x1b[Khashing ${pct}% (${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)})`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

export function verifyLines(r: VerifySiteResult): string[] {
  if (r.ok && r.manifest) {
    return [`verified version ${r.manifest.version}: ${Object.keys(r.manifest.files).length} files match, key ${r.manifest.keyId}, expires ${r.manifest.expires}`];
  }
  return r.problems.map((p) => `${p.code} ${p.message}`);
}

export function verifyJson(r: VerifySiteResult): string {
  return JSON.stringify({ ok: r.ok, version: r.manifest?.version ?? null, problems: r.problems });
}

export function keygenLine(r: GeneratedKeyPair): string {
  return `wrote ${r.privateKeyPath} (private, keep it secret) and ${r.publicKeyPath}, key ${r.keyId}`;
}

export function keygenJson(r: GeneratedKeyPair): string {
  return JSON.stringify({ ok: true, keyId: r.keyId, privateKeyPath: r.privateKeyPath, publicKeyPath: r.publicKeyPath });
}

const SCRIPT_NOTE = {
  added: 'added',
  present: 'already there',
  kept: 'not added: package.json already has a script of that name, left as it is',
  'no-package-json': 'not added: no package.json',
} as const;

/** The result lines of init; on a terminal, the next steps too. */
export function initLines(r: InitProjectResult, terminal: boolean): string[] {
  const lines = [
    `wrote ${r.configFile}`,
    `wrote ${r.privateKeyPath} (private, keep it secret) and ${r.publicKeyPath}, key ${r.keyId}`,
  ];
  if (r.replacedKey) lines.push(`moved the previous private key to ${r.replacedKey}`);
  if (r.gitignore) {
    lines.push(r.gitignore.added.length > 0 ? `added ${r.gitignore.added.join(', ')} to ${r.gitignore.path}` : `${r.gitignore.path} already ignores the private key`);
  }
  lines.push(`npm script "${r.script.name}": "${r.script.command}": ${SCRIPT_NOTE[r.script.status]}`);
  if (terminal) {
    const run = r.script.status === 'added' || r.script.status === 'present' ? `npm run ${r.script.name}` : r.script.command;
    lines.push('', 'Next: set "signal" in the config to your signaling node (deploynet signal), build your site,', `then run \`${run}\` to hash and sign it. Back up ${r.privateKeyPath} somewhere safe.`);
  }
  return lines;
}

export function initJson(r: InitProjectResult): string {
  return JSON.stringify({ ok: true, ...r });
}

/** What signal and serve print once listening: the URL, or with --json one JSON line. */
export function listeningLine(url: string, json: boolean, extra: Readonly<Record<string, unknown>> = {}): string {
  return json ? JSON.stringify({ ok: true, listening: true, url, ...extra }) : url;
}

/** With --json, a failure is also a JSON line on stdout, so a tool reading stdout sees it. */
export function errorJson(e: DeployNetError | { readonly code: 'INTERNAL'; readonly message: string }): string {
  return JSON.stringify({ ok: false, error: { code: e.code, message: e.message } });
}
