/**
 * Diagnosis for the P2P benchmark's throughput (not run by the suite): where the JavaScript time
 * of a 5.8 MB peer transfer goes. One seeder and one visitor as in p2p-bench.ts; V8's CPU
 * profiler runs in the seeder's page, the visitor's page and the visitor's service worker over
 * a few transfers, and the heaviest functions by self time are printed for each (the .cpuprofile
 * files are written to the folder given, for DevTools).
 *
 *   npm run build && node test/run-in-netns.mjs npx vite-node test/bench/p2p-profile.ts [DIR]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { CDPSession, Page } from 'puppeteer-core';
import { launchChromium, newVisitor } from '../browser/chromium.js';
import { filled, visit } from '../browser/page-probe.js';
import { startStack } from '../browser/stack.js';
import { timedFetch, uncache, untilStored } from './page-fetch.js';

const LARGE = '/media/panorama.png';
const ROUNDS = 4;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function top(profile: Profile, count: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') return;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop() ?? ''}:${lineNumber + 1}`;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [`busy ${(total / ROUNDS).toFixed(0)} ms per round`, ...[...self].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, v]) => `${(v / ROUNDS).toFixed(1).padStart(6)} ms  ${k}`)];
}

async function start(session: CDPSession): Promise<void> {
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 200 });
  await session.send('Profiler.start');
}

/** One transfer of the large file from the seeder, timed, until the visitor's SW has stored it. */
async function transfer(page: Page, origin: string, sha256: string): Promise<number> {
  await uncache(page, origin, sha256);
  const { ms } = await timedFetch(page, LARGE);
  await untilStored(page, origin, sha256);
  return ms;
}

const dir = process.argv[2] ?? 'results/p2p-profile';
await mkdir(dir, { recursive: true });
const browser = await launchChromium();
const stack = await startStack();
try {
  const seeder = await newVisitor(browser, stack.origin);
  await visit(seeder.page, `${stack.origin}/gallery.html`);
  const visitor = await newVisitor(browser, stack.origin);
  await visit(visitor.page, `${stack.origin}/gallery.html`);
  await filled(seeder.page);
  await filled(visitor.page);
  const sha256 = stack.manifest.files[LARGE]!.sha256;
  await transfer(visitor.page, stack.origin, sha256); // warm-up
  const swTarget = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.browserContext() === visitor.page.browserContext());
  const sessions: Array<[string, CDPSession]> = [
    ['seeder page', await seeder.page.createCDPSession()],
    ['visitor page', await visitor.page.createCDPSession()],
    ['visitor service worker', await swTarget.createCDPSession()],
  ];
  for (const [, s] of sessions) await start(s);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await transfer(visitor.page, stack.origin, sha256));
  console.log(`transfers: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  for (const [name, s] of sessions) {
    const { profile } = (await s.send('Profiler.stop')) as unknown as { profile: Profile };
    await writeFile(`${dir}/${name.replace(/ /g, '-')}.cpuprofile`, JSON.stringify(profile));
    console.log(`\n${name}:\n  ${top(profile, 18).join('\n  ')}`);
  }
} finally {
  await stack.close();
  await browser.close();
}
process.exit(0);
