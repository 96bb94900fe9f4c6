import { describe, expect, it } from 'vitest';
import { rendezvousOwner, type Manifest, type ManifestFile } from '../core/index.js';
import { fillIn, fillOrder, type FillInProgress } from './fill-in.js';

const file = (size: number, sha: string): ManifestFile => ({ size, type: 'application/octet-stream', sha256: sha.repeat(64) });

const manifest: Manifest = {
  format: 'deploynet-manifest/1',
  version: 1,
  created: '2026-01-01T00:00:00Z',
  expires: '2027-01-01T00:00:00Z',
  keyId: '0123456789abcdef',
  chunkSize: 262144,
  files: {
    '/big.bin': file(5000, 'a'),
    '/index.html': file(900, 'b'),
    '/about.html': file(100, 'c'),
    '/small.css': file(10, 'd'),
    '/logo.svg': file(10, 'e'),
  },
};

const fresh = (): FillInProgress => ({ state: 'waiting', total: 0, done: 0, failed: 0 });

describe('fillOrder', () => {
  it('puts pages first, then the rest smallest first, ties by path', () => {
    expect(fillOrder(manifest)).toEqual(['/about.html', '/index.html', '/logo.svg', '/small.css', '/big.bin']);
  });
});

describe('fillOrder with swarm members (rendezvous)', () => {
  it('alone or without an id: the plain order', () => {
    expect(fillOrder(manifest, 'me', [])).toEqual(fillOrder(manifest));
    expect(fillOrder(manifest, null, ['p1'])).toEqual(fillOrder(manifest));
  });

  it('pages first; then each member its own files; together the members start on different files', () => {
    const members = ['peer-one', 'peer-two', 'peer-three'];
    const nonPages = Object.keys(manifest.files).filter((p) => !p.endsWith('.html'));
    const firstNonPage = members.map((self) => {
      const order = fillOrder(manifest, self, members.filter((m) => m !== self));
      expect(order.slice(0, 2).sort()).toEqual(['/about.html', '/index.html']);
      expect(order.slice(2).sort()).toEqual([...nonPages].sort());
      // Every file this member owns comes before every file it does not.
      const owned = order.slice(2).map((p) => rendezvousOwner(manifest.files[p]!.sha256, members) === self);
      expect(owned).toEqual([...owned].sort((a, b) => Number(b) - Number(a)));
      return order[2];
    });
    const owners = new Set(nonPages.map((p) => rendezvousOwner(manifest.files[p]!.sha256, members)));
    // Members that own something start on something of their own, so no two start on the same file.
    const starters = firstNonPage.filter((_p, i) => owners.has(members[i]!));
    expect(new Set(starters).size).toBe(starters.length);
  });
});

describe('fillIn', () => {
  it('fetches only what is missing, at most two at a time, and counts', async () => {
    const fetched: string[] = [];
    let running = 0;
    let peak = 0;
    const progress = fresh();
    await fillIn(
      {
        manifest,
        has: async (sha) => sha === 'b'.repeat(64),
        fetchPath: async (path) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          if (path === '/logo.svg') throw new Error('offline');
          fetched.push(path);
          return true;
        },
        idle: async () => undefined,
        signal: new AbortController().signal,
      },
      progress,
    );
    expect(fetched.sort()).toEqual(['/about.html', '/big.bin', '/small.css']);
    expect(peak).toBe(2);
    expect(progress).toEqual({ state: 'done', total: 4, done: 3, failed: 1 });
  });

  it('stops when aborted and never reports done', async () => {
    const controller = new AbortController();
    const fetched: string[] = [];
    const progress = fresh();
    await fillIn(
      {
        manifest,
        has: async () => false,
        fetchPath: async (path) => {
          fetched.push(path);
          controller.abort();
          return true;
        },
        idle: async () => undefined,
        signal: controller.signal,
      },
      progress,
    );
    expect(fetched.length).toBeLessThanOrEqual(2);
    expect(progress.state).toBe('running');
  });

  it('stops when the SW says storage is full', async () => {
    const fetched: string[] = [];
    const progress = fresh();
    await fillIn(
      {
        manifest,
        has: async () => false,
        fetchPath: async (path) => {
          fetched.push(path);
          return path !== '/index.html';
        },
        idle: async () => undefined,
        signal: new AbortController().signal,
      },
      progress,
    );
    expect(progress.state).toBe('full');
    expect(fetched.length).toBeLessThanOrEqual(3); // the other worker may have one in flight
    expect(fetched).not.toContain('/big.bin');
  });
});
