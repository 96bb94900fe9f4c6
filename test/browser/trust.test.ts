/**
 * Issue 3, item 3: the trust state persists (IndexedDB) and every refusal leaves the manifest in
 * force. Each test starts from a visitor who accepted version 5; then the origin offers a bad
 * candidate, the browser installs the new deploynet-sw.js, whose install handler refreshes the
 * manifest and refuses it: version 5 stays in force, the SW still serves manifest-listed assets,
 * and the page renders.
 */
import type { Page, Target } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor, type Visitor } from './chromium.js';
import { fetchInPage, newWorkerInControl, rendered, stats, visit } from './page-probe.js';
import { startStack, type Stack } from './stack.js';

const DAY = 86_400_000;
/** Console output of every service worker of the run, for failure messages. */
const swLogs: string[] = [];
const noChange = async (): Promise<void> => undefined;
/** Listed, loaded by every page, and unchanged by these deploys. */
const ASSET = '/css/site.css';


/** After a redeploy: the new SW in control reports `version` in force and `error`. */
async function expectStatusAfterUpdate(page: Page, version: number, error: ErrorCode | null): Promise<void> {
  await newWorkerInControl(page);
  const s = await stats(page);
  expect({ manifestVersion: s.manifestVersion, manifestError: s.manifestError }, `SW console:\n${swLogs.slice(-30).join('\n')}`).toEqual({
    manifestVersion: version,
    manifestError: error,
  });
}

/**
 * Waits until the page's background fill-in is over: while it runs, the active SW has fetch
 * events in flight, which holds the next SW in `installed` (see newWorkerInControl).
 */
async function fillSettled(page: Page): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { fill } = await stats(page);
    if (fill.state === 'done' || fill.state === 'full' || fill.state === 'off') return;
    if (Date.now() > deadline) throw new Error(`the fill-in did not finish: ${JSON.stringify(fill)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The trust record as the SW stored it, read from the page (same origin, same IndexedDB). */
async function storedTrust(page: Page): Promise<unknown> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('deploynet');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction('trust').objectStore('trust').get('current');
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            db.close();
            resolve(get.result);
          };
        };
      }),
  );
}

/** Version `version` still in force, the SW still serves a listed asset, and the page renders. */
async function expectStillServed(stack: Stack, v: Visitor, version: number): Promise<void> {
  expect((await stats(v.page)).manifestVersion).toBe(version);
  const asset = await fetchInPage(v.page, ASSET);
  expect(asset.status).toBe(200);
  expect(asset.source, `${ASSET} is served by the SW`).not.toBeNull();
  expect(asset.sha256).toBe(await stack.originSha256(ASSET));
  const again = await visit(v.page, `${stack.origin}/`);
  expect(again.manifestVersion).toBe(version);
  expect((await rendered(v.page)).status).toBe('app.js loaded');
}

describe('persistent trust state: a refused manifest leaves the accepted one in force', () => {
  const session = useBrowser((browser) =>
    browser.on('targetcreated', (target: Target) => {
      if (target.type() !== 'service_worker') return;
      void target.worker().then((worker) => {
        swLogs.push(`[${target.url()}] started`);
        worker?.on('console', (message) => swLogs.push(`[${target.url()}] ${message.type()}: ${message.text()}`));
      });
    }),
  );
  const track = session.track;

  /** A deployment at version 5 and a visitor who accepted it. */
  async function visitorAt5(): Promise<{ stack: Stack; v: Visitor }> {
    const stack = await track(startStack({ build: { version: 5 } }));
    const v = await track(newVisitor(session.browser, stack.origin));
    const first = await visit(v.page, `${stack.origin}/`);
    expect(first.manifestVersion).toBe(5);
    expect(first.manifestError).toBeNull();
    await fillSettled(v.page);
    expect(await storedTrust(v.page)).toMatchObject({ highestVersion: 5, keyId: stack.manifest.keyId });
    return { stack, v };
  }

  /** The new SW installs, refuses the origin's manifest with `code`, and version 5 stays. */
  async function expectRefused(stack: Stack, v: Visitor, code: ErrorCode): Promise<void> {
    await expectStatusAfterUpdate(v.page, 5, code);
    await expectStillServed(stack, v, 5);
    expect((await stats(v.page)).manifestError).toBe(code);
    expect(await storedTrust(v.page)).toMatchObject({ highestVersion: 5 });
  }

  it('a: rollback: a deploy of version 3 is refused with MANIFEST_ROLLBACK', async () => {
    const { stack, v } = await visitorAt5();
    await stack.redeploy(noChange, 3);
    await expectRefused(stack, v, 'MANIFEST_ROLLBACK');
  });

  it('b: freeze: a manifest that has already expired is refused with MANIFEST_EXPIRED', async () => {
    const { stack, v } = await visitorAt5();
    await stack.redeploy(noChange, 6, { now: Date.now() - 2 * DAY, expires: '1d' });
    await expectRefused(stack, v, 'MANIFEST_EXPIRED');
  });

  it('c: a manifest signed by another key, under the same SW, is refused with MANIFEST_UNKNOWN_KEY', async () => {
    const { stack, v } = await visitorAt5();
    await stack.writeManifest({ version: 6, signer: 'other' });
    await expectRefused(stack, v, 'MANIFEST_UNKNOWN_KEY');
  });

  it('d: a tampered manifest is refused with MANIFEST_SIGNATURE_INVALID', async () => {
    const { stack, v } = await visitorAt5();
    await stack.writeManifest({ version: 6, signer: 'site', tamper: true });
    await expectRefused(stack, v, 'MANIFEST_SIGNATURE_INVALID');
  });

  it('e: after accepting version 6, the floor is 6 in IndexedDB and holds across a SW restart', async () => {
    const { stack, v } = await visitorAt5();
    await stack.redeploy(noChange, 6);
    await expectStatusAfterUpdate(v.page, 6, null);
    expect(await storedTrust(v.page)).toMatchObject({ highestVersion: 6 });

    // Stop the service worker: its memory is gone; what it knows next comes from IndexedDB.
    const cdp = await v.page.createCDPSession();
    const history = new Map<string, string[]>();
    const active = new Set<string>();
    cdp.on('ServiceWorker.workerVersionUpdated', (event: { versions: Array<{ versionId: string; runningStatus: string; status: string }> }) => {
      for (const version of event.versions) {
        history.set(version.versionId, [...(history.get(version.versionId) ?? []), version.runningStatus]);
        if (version.status === 'activated') active.add(version.versionId);
        else active.delete(version.versionId);
      }
    });
    await cdp.send('ServiceWorker.enable');
    const before = new Map([...history].map(([id, statuses]) => [id, statuses.length]));
    await cdp.send('ServiceWorker.stopAllWorkers');
    const stoppedSince = (id: string): boolean => (history.get(id) ?? []).slice(before.get(id) ?? 0).includes('stopped');
    const deadline = Date.now() + 10_000;
    while (active.size !== 1 || !stoppedSince([...active][0]!)) {
      if (Date.now() > deadline) throw new Error(`the active service worker did not stop: ${JSON.stringify([...history])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const activeId = [...active][0]!;

    const asset = await fetchInPage(v.page, ASSET); // starts the SW again
    expect(asset.source).not.toBeNull();
    expect(history.get(activeId)?.at(-1)).toBe('running');
    const after = await stats(v.page);
    expect(after.manifestVersion).toBe(6);
    expect(after.manifestError).toBeNull();
    await cdp.detach();

    // A later deploy of version 5 is now a rollback, for the restarted SW's successor too.
    await stack.redeploy(noChange, 5);
    await expectStatusAfterUpdate(v.page, 6, 'MANIFEST_ROLLBACK');
    await expectStillServed(stack, v, 6);
    expect(await storedTrust(v.page)).toMatchObject({ highestVersion: 6 });
  });
});
