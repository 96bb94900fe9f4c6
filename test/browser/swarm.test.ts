/**
 * Issue 4: a 32 MiB file from several real Chromium peers at once, chunk by chunk, streamed to the
 * page, with `deploynet:progress`; and the malicious-peer harness (evil-peer.ts): one of the three
 * seeders runs altered code, and the download still completes byte-identical.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentCacheKey } from '../../core/index.js';
import { BIG_BYTES, BIG_PATH, streamFetch, untilCached, waitForPeers, writeBigSite, type StreamedFetch } from './big-site.js';
import { useBrowser } from './browser-session.js';
import { newVisitor, type Visitor } from './chromium.js';
import { installEvilPeer, setEvilMode, type EvilMode } from './evil-peer.js';
import { stats, visit } from './page-probe.js';
import { startStack, type Stack } from './stack.js';

function expectWhole(got: StreamedFetch, sha256: string): void {
  expect({ status: got.status, bytes: got.bytes, sha256: got.sha256 }, `peer failure: ${got.peerFailure ?? 'none'}`).toEqual({ status: 200, bytes: BIG_BYTES, sha256 });
}

describe('swarming: one large file from several peers at once', () => {
  const session = useBrowser();
  let stack: Stack;
  let site: { dir: string; sha256: string };
  let key: string;
  const seeders: Visitor[] = [];
  let evil: Visitor;

  /** A visitor on the page who fetches the big file and keeps it (a seeder from then on). */
  async function seeder(setup?: (v: Visitor) => Promise<void>): Promise<Visitor> {
    const v = await session.track(newVisitor(session.browser, stack.origin));
    await setup?.(v);
    await visit(v.page, `${stack.origin}/`);
    await waitForPeers(v.page, seeders.length, 10_000);
    expectWhole(await streamFetch(v.page, BIG_PATH, BIG_BYTES), site.sha256);
    await untilCached(v.page, key);
    seeders.push(v);
    return v;
  }

  /**
   * A first-time visitor, connected to all three seeders, who leaves the swarm after `use`
   * (otherwise it would seed the file to the next test's visitor).
   */
  async function asDownloader(use: (d: Visitor, peers: number) => Promise<void>): Promise<void> {
    const d = await newVisitor(session.browser, stack.origin);
    try {
      await visit(d.page, `${stack.origin}/`);
      const peers = await waitForPeers(d.page, 3);
      expect(peers).toBe(3);
      await use(d, peers);
    } finally {
      await d.page.goto('about:blank').catch(() => undefined); // pagehide: leave the swarm at once
      await d.close();
    }
  }

  beforeAll(async () => {
    site = await writeBigSite();
    stack = await startStack({ example: site.dir });
    key = contentCacheKey(stack.origin, site.sha256);
    await seeder();
    await seeder();
    evil = await seeder((v) => installEvilPeer(v.page));
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await rm(site.dir, { recursive: true, force: true });
  });

  it('comes chunk by chunk from all three peers, streams before the last chunk, and reports progress', async () => {
    const before = await Promise.all(seeders.map(async (s) => (await stats(s.page)).uploadedBytes));
    await asDownloader(async (d) => {
      const got = await streamFetch(d.page, BIG_PATH, BIG_BYTES);
      expectWhole(got, site.sha256);
      expect(got.source).toBe('peer');

      const uploaded = await Promise.all(seeders.map(async (s, i) => (await stats(s.page)).uploadedBytes - before[i]!));
      expect(uploaded.filter((n) => n > 0).length, `uploaded by each seeder: ${uploaded.join(', ')}`).toBeGreaterThanOrEqual(2);

      // The page read its first bytes before the SW reported the last chunk in: it streamed.
      const complete = got.progress.findIndex((p) => p.loaded === BIG_BYTES);
      expect(complete).toBeGreaterThanOrEqual(got.eventsAtFirstRead);
      const loaded = got.progress.map((p) => p.loaded);
      expect(loaded.length).toBeGreaterThanOrEqual(3);
      expect([...loaded].sort((a, b) => a - b)).toEqual(loaded);
      const last = got.progress.at(-1)!;
      expect(last).toMatchObject({ loaded: BIG_BYTES, total: BIG_BYTES });
      expect(last.bytes.cache + last.bytes.peer + last.bytes.origin).toBe(BIG_BYTES);
      expect(last.bytes.peer).toBeGreaterThan(BIG_BYTES / 2);
    });
  });

  it.each<[EvilMode, string]>([
    ['corrupt', 'flips a byte in every frame, and is dropped and banned'],
    ['oversize', 'sends more bytes than asked, and is dropped'],
    ['wrong-ids', 'answers under wrong request ids; its chunks go to the others'],
    ['unsolicited', 'sends unsolicited frames, which are ignored'],
    ['slow', 'answers at one byte per second; its chunks go to the others'],
  ])('one of the three seeders is malicious (%s): the file still completes byte-identical; it %s', async (mode) => {
    await setEvilMode(evil.page, mode);
    try {
      const evilSentBefore = (await stats(evil.page)).uploadedBytes;
      await asDownloader(async (d, peers) => {
        const got = await streamFetch(d.page, BIG_PATH, BIG_BYTES);
        expectWhole(got, site.sha256);
        expect((await stats(evil.page)).uploadedBytes, 'the malicious seeder was asked for chunks').toBeGreaterThan(evilSentBefore);
        const s = await stats(d.page);
        if (mode === 'corrupt') {
          expect(s.bannedPeers).toBe(1);
          expect(s.peerFaults).toBeGreaterThanOrEqual(1);
        }
        if (mode === 'oversize') {
          expect(s.peerFaults).toBeGreaterThanOrEqual(1);
          expect(s.peers).toBe(peers - 1); // the liar's link is closed
        }
        if (mode === 'unsolicited') expect(s.peerFaults).toBe(0);
        expect(got.progress.at(-1)?.bytes.peer).toBeGreaterThan(0);
      });
    } finally {
      await setEvilMode(evil.page, 'off');
    }
  });
});
