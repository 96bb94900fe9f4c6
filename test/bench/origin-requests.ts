/**
 * Where the origin's bytes go, request by request (a diagnostic for issue 6's offload figure, not
 * a test): first-time visitors of /gallery.html arrive one after another, each staying open as a
 * seeder, from an origin behind the benchmark's simulated WAN. For every visitor it prints each
 * answer the origin sent while that visitor loaded: milliseconds from its navigation, status,
 * bytes on the wire (headers included, as encoded), Content-Encoding, and CUT for answers the
 * browser abandoned (the first visit's window.stop()).
 *
 *   npm run build && node test/run-in-netns.mjs npx vite-node test/bench/origin-requests.ts [VISITORS] [--no-compress]
 */
import { launchChromium, newVisitor, type Visitor } from '../browser/chromium.js';
import { visit } from '../browser/page-probe.js';
import { startStack } from '../browser/stack.js';
import { serveSite, type ServedResponse } from '../../manifest-cli/serve.js';

const WAN = { latencyMs: 80, rateBytesPerSec: 2_000_000 } as const;
const PAGE = '/gallery.html';
/** Earlier visitors' idle fill-in and the answers after load still count for the visitor before. */
const SETTLE_MS = 1500;

const args = process.argv.slice(2);
const visitors = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const compress = !args.includes('--no-compress');

interface Logged extends ServedResponse {
  readonly at: number;
}

const log: Logged[] = [];
let navigationStart = Date.now();
// The stack's own origin stays unused: this one serves the same built site with a response log.
const stack = await startStack();
const origin = await serveSite({ siteDir: stack.siteDir, port: 0, ...WAN, compress, onResponse: (r) => log.push({ ...r, at: Date.now() - navigationStart }) });
const browser = await launchChromium();
const open: Visitor[] = [];
try {
  console.log(`${PAGE} behind ${WAN.rateBytesPerSec / 1e6} MB/s + ${WAN.latencyMs} ms, text compression ${compress ? 'on' : 'off'}`);
  for (let n = 1; n <= visitors; n++) {
    const from = log.length;
    const before = origin.bytesSent();
    const visitor = await newVisitor(browser, origin.url);
    open.push(visitor);
    navigationStart = Date.now();
    await visit(visitor.page, `${origin.url}${PAGE}`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const answers = log.slice(from);
    const cut = answers.filter((a) => !a.complete).reduce((sum, a) => sum + a.bytes, 0);
    console.log(`\nvisitor ${n}: ${((origin.bytesSent() - before) / 1e3).toFixed(1)} kB from the origin, ${(cut / 1e3).toFixed(1)} kB of it in abandoned answers`);
    for (const a of answers) {
      const kB = (a.bytes / 1e3).toFixed(1).padStart(8);
      console.log(`  ${String(a.at).padStart(6)} ms  ${a.status}  ${kB} kB  ${(a.encoding ?? '').padEnd(4)}  ${a.complete ? '   ' : 'CUT'}  ${a.path}${a.range ? ` (${a.range})` : ''}`);
    }
  }
} finally {
  for (const v of open) await v.close();
  await browser.close();
  await origin.close();
  await stack.close();
}
process.exit(0);
