/**
 * Diagnosis for the offload benchmark (not run by the suite): N first-time visitors of the example
 * site all at once, behind the simulated WAN origin, as in offload-bench.ts; prints, for each
 * visitor, its bytes by source and where each resource of its final page came from, to find which
 * files went to the origin that peers could have given.
 *
 *   npm run build && node test/run-in-netns.mjs npx vite-node test/bench/offload-sources.ts [N=2]
 */
import { launchChromium, newVisitor } from '../browser/chromium.js';
import { resourceSources, stats, visit } from '../browser/page-probe.js';
import { startStack } from '../browser/stack.js';

const n = Number(process.argv[2] ?? 2);
const browser = await launchChromium();
const stack = await startStack({ origin: { latencyMs: 80, rateBytesPerSec: 2_000_000 } });
try {
  const visitors = await Promise.all(Array.from({ length: n }, () => newVisitor(browser, stack.origin)));
  const before = stack.originBytesSent();
  await Promise.all(visitors.map((v) => visit(v.page, `${stack.origin}/gallery.html`)));
  console.log(`origin sent ${(stack.originBytesSent() - before) / 1e6} MB`);
  for (const [i, v] of visitors.entries()) {
    const s = await stats(v.page);
    const mb = (x: number) => (x / 1e6).toFixed(2);
    console.log(`visitor ${i + 1}: peer ${mb(s.bytes.peer)} origin ${mb(s.bytes.origin)} cache ${mb(s.bytes.cache)} MB`);
    for (const r of await resourceSources(v.page)) console.log(`  ${r.path.padEnd(32)} ${r.sources.join(', ')}`);
  }
} finally {
  await stack.close();
  await browser.close();
}
process.exit(0);
