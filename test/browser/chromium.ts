// Chromium for the browser tests: find the executable, launch it with the hermetic WebRTC recipe
// (/work/shared/chromium-webrtc-e2e.md), and open "visitors" (isolated incognito contexts).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';

/** Launch flags: quiet on a closed network, and able to gather the 127.0.0.1 host candidate. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Newest-looking build in puppeteer's cache (`npx puppeteer browsers install chrome`), if any. */
function fromPuppeteerCache(): string | undefined {
  const root = join(process.env.PUPPETEER_CACHE_DIR ?? join(homedir(), '.cache', 'puppeteer'), 'chrome');
  let builds: string[];
  try {
    builds = readdirSync(root);
  } catch {
    return undefined;
  }
  builds.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const build of builds) {
    const exe = join(root, build, 'chrome-linux64', 'chrome');
    if (existsSync(exe)) return exe;
  }
  return undefined;
}

/**
 * Path of the Chromium to test with: PUPPETEER_EXECUTABLE_PATH, then CHROME_PATH, then
 * /usr/bin/chromium, then puppeteer's cache. Throws when none exists (never downloads one).
 */
export function findChromium(): string {
  for (const name of ['PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH'] as const) {
    const value = process.env[name];
    if (value) {
      if (existsSync(value)) return value;
      throw new Error(`${name} is set to ${value}, which does not exist; point it at a Chromium or Chrome executable, or unset it.`);
    }
  }
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  const cached = fromPuppeteerCache();
  if (cached) return cached;
  throw new Error(
    'No Chromium found: set PUPPETEER_EXECUTABLE_PATH (or CHROME_PATH), install it at /usr/bin/chromium (`apt-get install chromium` on Debian), or put one in puppeteer\'s cache (`npx puppeteer browsers install chrome`).',
  );
}

/** Options for {@link launchChromium}; the defaults are what the P2P tests need. */
export interface LaunchChromiumOptions {
  /** Extra command-line flags, appended after {@link CHROMIUM_ARGS}. */
  readonly extraArgs?: readonly string[];
  /** Pipe Chromium's stdout/stderr to ours (debugging). */
  readonly dumpio?: boolean;
}

/**
 * Launches Chromium with {@link CHROMIUM_ARGS} and a fresh temporary profile that is removed when
 * the browser closes. Refuses to run outside the loopback-only namespace (DEPLOYNET_NETNS=1):
 * there, WebRTC host candidates are mDNS names resolved on the real network.
 */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  if (process.env.DEPLOYNET_NETNS !== '1') {
    throw new Error(
      'P2P browser tests must run inside the loopback-only network namespace: use `npm run test:browser` (or `node test/run-in-netns.mjs <command>`).',
    );
  }
  const executablePath = findChromium();
  const userDataDir = await mkdtemp(join(tmpdir(), 'deploynet-chromium-'));
  const removeProfileSync = (): void => rmSync(userDataDir, { recursive: true, force: true });
  process.once('exit', removeProfileSync);
  const removeProfile = async (): Promise<void> => {
    process.off('exit', removeProfileSync);
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };

  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true, // also adds --headless=new; CHROMIUM_ARGS repeats it so the list is complete
      userDataDir,
      args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
      dumpio: options.dumpio ?? false,
    });
  } catch (err) {
    await removeProfile();
    throw err;
  }

  // Remove the profile after Chromium exits, whether by close() or by crashing.
  const close = browser.close.bind(browser);
  browser.close = async (): Promise<void> => {
    try {
      await close();
    } finally {
      await removeProfile();
    }
  };
  browser.once('disconnected', () => void removeProfile().catch(() => undefined));
  return browser;
}

/** One simulated visitor: its own Cache Storage, service workers, IndexedDB and peer identity. */
export interface Visitor {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page exceptions, in order, for debugging failed tests. */
  readonly consoleErrors: string[];
  close(): Promise<void>;
}

/**
 * Opens a new incognito browser context (a separate visitor) with camera and microphone granted
 * for `origin` (e.g. `http://127.0.0.1:8080`), which Chromium needs before it will offer the
 * loopback host candidate. The page is blank; navigate it yourself.
 */
export async function newVisitor(browser: Browser, origin: string): Promise<Visitor> {
  const context = await browser.createBrowserContext();
  try {
    await context.setPermission(
      origin,
      { permission: { name: 'camera' }, state: 'granted' },
      { permission: { name: 'microphone' }, state: 'granted' },
    );
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        const loc = msg.location();
        consoleErrors.push(loc.url ? `${msg.text()} (${loc.url}:${loc.lineNumber ?? 0})` : msg.text());
      }
    });
    page.on('pageerror', (err) => {
      consoleErrors.push(`uncaught: ${err instanceof Error ? err.message : String(err)}`);
    });
    return {
      context,
      page,
      consoleErrors,
      async close() {
        if (browser.connected) await context.close();
      },
    };
  } catch (err) {
    await context.close().catch(() => undefined);
    throw err;
  }
}
