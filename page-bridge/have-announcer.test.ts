/** HaveAnnouncer: what links hear of this visitor's holdings, and when. */
import { afterEach, describe, expect, it } from 'vitest';
import type { HaveChunksFrame, HaveFrame, Manifest } from '../core/index.js';
import { HaveAnnouncer, type HaveLink } from './have-announcer.js';
import { Holdings } from './holdings.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const manifest: Manifest = {
  format: 'deploynet-manifest/1',
  version: 3,
  created: '2026-01-01T00:00:00Z',
  expires: '2027-01-01T00:00:00Z',
  keyId: '0123456789abcdef',
  chunkSize: 16384,
  files: { '/a.bin': { size: 5 * 16384, type: 'application/octet-stream', sha256: A }, '/b.css': { size: 10, type: 'text/css', sha256: B } },
};

class Link implements HaveLink {
  isOpen = true;
  readonly sent: Array<HaveFrame | HaveChunksFrame> = [];
  constructor(readonly peerId: string) {}
  async sendMesh(frame: HaveFrame | HaveChunksFrame): Promise<void> {
    this.sent.push(frame);
  }
}

const summary = (link: Link) => link.sent.map((f) => (f.type === 'have' ? `have ${f.files.join(',')}` : `chunks ${f.sha256.slice(0, 1)} ${f.chunks.join(',')}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HaveAnnouncer', () => {
  const stops: Array<() => void> = [];
  afterEach(() => stops.splice(0).forEach((stop) => stop()));

  function setUp(debounceMs = 20) {
    const holdings = new Holdings(manifest);
    const links = new Map<string, Link>();
    const announcer = new HaveAnnouncer(holdings, () => links, debounceMs);
    stops.push(() => announcer.stop());
    return { holdings, links, announcer };
  }

  it('says nothing before the cache was looked at; then every link, and each new one at once, hears HAVE and its downloads', () => {
    const { holdings, links, announcer } = setUp();
    const early = new Link('p');
    links.set('p', early);
    announcer.linkOpened(early);
    holdings.holdWhole(B);
    expect(early.sent).toEqual([]);
    announcer.setReady();
    expect(summary(early)).toEqual(['have 1']);
    holdings.holdChunks(A, [1]);
    const late = new Link('q');
    links.set('q', late);
    announcer.linkOpened(late);
    expect(summary(late)).toEqual(['have 1', 'chunks a 1']);
  });

  it('announces a download that starts at once, and later chunks batched, once per debounce', async () => {
    const { holdings, links, announcer } = setUp();
    const link = new Link('p');
    links.set('p', link);
    announcer.setReady();
    holdings.holdChunks(A, []);
    expect(summary(link)).toEqual(['have ', 'chunks a ']);
    holdings.holdChunks(A, [0]);
    holdings.holdChunks(A, [1]);
    holdings.holdChunks(A, [2]);
    expect(link.sent).toHaveLength(2);
    await sleep(40);
    expect(summary(link)).toEqual(['have ', 'chunks a ', 'chunks a 0,1,2']);
    holdings.holdWhole(A);
    await sleep(40);
    expect(summary(link).slice(3)).toEqual(['have 0']);
  });

  it('sends nothing to a closed link, and nothing after stop', async () => {
    const { holdings, links, announcer } = setUp();
    const closed = new Link('p');
    closed.isOpen = false;
    links.set('p', closed);
    announcer.setReady();
    holdings.holdChunks(A, [0]);
    expect(closed.sent).toEqual([]);
    const open = new Link('q');
    links.set('q', open);
    announcer.linkOpened(open);
    announcer.stop();
    holdings.holdChunks(A, [1]);
    await sleep(40);
    expect(summary(open)).toEqual(['have ', 'chunks a 0']);
  });

  it('debounces on the timers it is given (a simulated clock), not the global ones', async () => {
    const pending: Array<{ callback: () => void; ms: number; cleared: boolean }> = [];
    const timers = {
      setTimeout: (callback: () => void, ms: number) => {
        const t = { callback, ms, cleared: false };
        pending.push(t);
        return t;
      },
      clearTimeout: (handle: unknown) => {
        const t = pending.find((p) => p === handle);
        if (t) t.cleared = true;
      },
    };
    const holdings = new Holdings(manifest);
    const links = new Map<string, Link>();
    const announcer = new HaveAnnouncer(holdings, () => links, 100, timers);
    stops.push(() => announcer.stop());
    const link = new Link('p');
    links.set('p', link);
    announcer.setReady();
    holdings.holdChunks(A, []);
    holdings.holdChunks(A, [0]);
    holdings.holdChunks(A, [1]);
    expect(pending.map((t) => t.ms)).toEqual([100]);
    await sleep(150); // real time passes: nothing goes out until the injected timer fires
    expect(summary(link)).toEqual(['have ', 'chunks a ']);
    pending[0]!.callback();
    expect(summary(link)).toEqual(['have ', 'chunks a ', 'chunks a 0,1']);
    holdings.holdChunks(A, [2]);
    announcer.stop();
    expect(pending).toHaveLength(2);
    expect(pending[1]!.cleared).toBe(true); // stop() cleared the batch it had scheduled
  });
});
