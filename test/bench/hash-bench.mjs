#!/usr/bin/env node
// Hashing throughput of `deploynet build` next to coreutils `sha256sum`, on the same files in the
// same run (page cache warmed first, so both read from memory). Not a test: prints numbers.
//
//   npm run build && node test/bench/hash-bench.mjs [MiB=256]
//
// Reports MB/s for both, their ratio and peak RSS (process.resourceUsage().maxRSS), which must
// stay flat as MiB grows: the build streams every file and never holds one. Writes
// results/bench-hash.json (read by the suite, test/bench/suite.ts).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const totalMiB = Number(process.argv[2] ?? 256);
if (!Number.isInteger(totalMiB) || totalMiB < 1) {
  console.error('usage: node test/bench/hash-bench.mjs [MiB, a whole number >= 1]');
  process.exit(1);
}

const { buildSite, generateKeyPair } = await import(new URL('../../dist/index.js', import.meta.url).href).catch(() => {
  console.error('dist/index.js is missing: run `npm run build` first');
  process.exit(1);
});

const rssMiB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);
const root = await mkdtemp(join(tmpdir(), 'deploynet-hash-bench-'));
try {
  const site = join(root, 'site');
  await mkdir(join(site, 'assets'), { recursive: true });
  const { privateKeyPath } = await generateKeyPair(join(root, 'keys'));

  // Files of 1..16 MiB plus a few small ones, written 1 MiB at a time.
  const files = [];
  const block = randomBytes(MiB);
  let left = totalMiB;
  for (let i = 0; left > 0; i++) {
    const mib = Math.min(left, 1 + (i % 16));
    const path = join(site, 'assets', `blob-${String(i).padStart(4, '0')}.bin`);
    const out = createWriteStream(path);
    for (let j = 0; j < mib; j++) {
      block[0] = i; // different content per file
      block[1] = j;
      if (!out.write(block)) await new Promise((r) => out.once('drain', r));
    }
    await new Promise((r, e) => out.end((err) => (err ? e(err) : r())));
    files.push(path);
    left -= mib;
  }
  const bytes = totalMiB * MiB;
  console.log(`${files.length} files, ${totalMiB} MiB in ${site}; peak RSS after writing: ${rssMiB()} MiB`);

  const rssBefore = rssMiB();
  const sha256sum = async () => {
    for (let i = 0; i < files.length; i += 200) await run('sha256sum', files.slice(i, i + 200), { maxBuffer: 64 * MiB });
  };
  await sha256sum(); // warms the page cache (in another process, so this one's RSS stays clean)

  let t = performance.now();
  await sha256sum();
  const sumMs = performance.now() - t;

  t = performance.now();
  const result = await buildSite({ siteDir: site, keyFile: privateKeyPath, version: 1 });
  const buildMs = performance.now() - t;

  const mbps = (ms) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
  console.log(`sha256sum        ${mbps(sumMs)} MB/s (${sumMs.toFixed(0)} ms)`);
  console.log(`deploynet build  ${mbps(buildMs)} MB/s (${buildMs.toFixed(0)} ms, ${result.fileCount} files, whole-file + per-chunk SHA-256)`);
  console.log(`ratio build/sha256sum: ${(sumMs / buildMs).toFixed(2)}x`);
  console.log(`peak RSS: ${rssMiB()} MiB (${rssBefore} MiB before hashing)`);
  const mb = (ms) => bytes / 1e6 / (ms / 1000);
  await mkdir('results', { recursive: true });
  const summary = { date: new Date().toISOString(), mib: totalMiB, files: files.length, sha256sumMBps: mb(sumMs), buildMBps: mb(buildMs), ratio: sumMs / buildMs, peakRssMiB: Number(rssMiB()), rssBeforeMiB: Number(rssBefore) };
  await writeFile('results/bench-hash.json', `${JSON.stringify(summary, null, 2)}\n`);
  console.log('written to results/bench-hash.json');
} finally {
  await rm(root, { recursive: true, force: true });
}
