/** What the CLI prints: sizes, the build summary, progress on a terminal, verify results. */
import type { HashProgress } from './hash-site.js';
import type { BuildSiteResult } from './build-site.js';
import type { VerifySiteResult } from './verify-site.js';

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
  return `built version ${r.version}: ${r.fileCount} files, ${formatBytes(r.totalBytes)}, key ${r.keyId}`;
}

export function buildJson(r: BuildSiteResult): string {
  return JSON.stringify({ ok: true, version: r.version, keyId: r.keyId, fileCount: r.fileCount, totalBytes: r.totalBytes, expires: r.manifest.expires, paths: r.paths });
}

/** A progress printer for a terminal: one line, rewritten at most every 100 ms. */
export function progressPrinter(stream: NodeJS.WriteStream): { update(p: HashProgress): void; done(): void } {
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
