/**
 * One Chromium for a test file, and the things its tests open (stacks, visitors), all closed after
 * the file's tests, last opened first. Call it once at the top of a `describe`.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './chromium.js';

export interface Closeable {
  close(): Promise<void>;
}

export interface BrowserSession {
  /** The browser (available inside tests and later hooks). */
  readonly browser: Browser;
  /** Awaits `thing` and closes it after the file's tests. */
  track<T extends Closeable>(thing: Promise<T>): Promise<T>;
}

export function useBrowser(onLaunch?: (browser: Browser) => void): BrowserSession {
  let browser: Browser | undefined;
  const open: Closeable[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
    onLaunch?.(browser);
  });
  afterAll(async () => {
    for (const thing of open.reverse()) await thing.close().catch(() => undefined);
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet: use it inside tests or hooks');
      return browser;
    },
    async track(thing) {
      const value = await thing;
      open.push(value);
      return value;
    },
  };
}
