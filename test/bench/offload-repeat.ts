/**
 * Diagnosis for the offload benchmark (not run by the suite): its scenario of N first-time
 * visitors one after another (or, with `all`, all at once), R times in one browser, a line per
 * run with each visitor's origin bytes and load time, to tell a rare miss (a visitor that found
 * no peer to fetch from) from noise.
 *
 *   npm run build && node test/run-in-netns.mjs npx vite-node test/bench/offload-repeat.ts [N=2] [R=3] [all]
 */
export {};

process.env.DEPLOYNET_OFFLOAD_BENCH_IMPORTED = '1';
const { scenario } = await import('./offload-bench.js');
const { launchChromium } = await import('../browser/chromium.js');
const n = Number(process.argv[2] ?? 2);
const times = Number(process.argv[3] ?? 3);
const arrival = process.argv[4] === 'all' ? 'all at once' : 'one after another';
const browser = await launchChromium();
try {
  for (let i = 0; i < times; i++) {
    const r = await scenario(browser, n, arrival);
    console.log(`run ${i + 1} (${arrival}): offload ${(r.offload * 100).toFixed(1)}% (origin ${(r.originBytes / 1e6).toFixed(2)} MB, pages ${(r.pageBytes / 1e6).toFixed(2)} MB); origin kB per visitor ${r.withDeployNet.map((d) => ((d.originBytes ?? 0) / 1e3).toFixed(0)).join(' ')}; load ms ${r.withDeployNet.map((d) => Math.round(d.loadMs)).join(' ')}`);
  }
} finally {
  await browser.close();
}
process.exit(0);
