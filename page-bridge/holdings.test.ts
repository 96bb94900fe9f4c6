/** Holdings: this visitor's and its links' holdings, from the SW's messages and HAVE frames. */
import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestFile } from '../core/index.js';
import { Holdings } from './holdings.js';

const CHUNK = 16384;
const file = (size: number, sha: string): ManifestFile => ({ size, type: 'application/octet-stream', sha256: sha.repeat(64) });
// Sorted path order, the HAVE bit order: /a.html (C), /b.css (B), /z-big.bin (A, 4 chunks).
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const manifest: Manifest = {
  format: 'deploynet-manifest/1',
  version: 7,
  created: '2026-01-01T00:00:00Z',
  expires: '2027-01-01T00:00:00Z',
  keyId: '0123456789abcdef',
  chunkSize: CHUNK,
  files: { '/z-big.bin': file(4 * CHUNK - 5, 'a'), '/b.css': file(10, 'b'), '/a.html': file(10, 'c') },
};

describe('Holdings: this visitor', () => {
  it('announces whole files as a bitfield in sorted path order, and files being downloaded with their chunks', () => {
    const h = new Holdings(manifest);
    const changes: Array<string | null> = [];
    h.onSelfChange((sha) => changes.push(sha));
    h.holdWhole(B);
    h.holdChunks(A, []);
    h.holdChunks(A, [2, 0]);
    h.holdChunks(A, [2]); // nothing new: no change
    expect(h.haveFrame()).toEqual({ type: 'have', id: 0, version: 7, count: 3, files: [1] });
    expect(h.haveChunksFrame(A)).toEqual({ type: 'have-chunks', id: 0, sha256: A, count: 4, chunks: [0, 2] });
    expect(h.downloadingFiles()).toEqual([A]);
    expect(h.selfHolds(A, [0, 2])).toBe(true);
    expect(h.selfHolds(A, [0, 1])).toBe(false);
    expect(changes).toEqual([null, A, A]);
  });

  it('a file held whole is no longer being downloaded; unlisted hashes and chunk indices out of range are ignored', () => {
    const h = new Holdings(manifest);
    h.holdChunks(A, [1, 9]);
    expect(h.haveChunksFrame(A)?.chunks).toEqual([1]);
    h.holdWhole(A);
    expect(h.haveChunksFrame(A)).toBeNull();
    expect(h.selfHolds(A, [3])).toBe(true);
    h.holdChunks(A, [2]);
    expect(h.downloadingFiles()).toEqual([]);
    h.holdWhole('f'.repeat(64));
    h.holdChunks('f'.repeat(64), [0]);
    expect(h.haveFrame().files).toEqual([2]);
  });
});

describe('Holdings: links', () => {
  it('a link that announced nothing is unknown; after its HAVE it holds exactly what it said', () => {
    const h = new Holdings(manifest);
    expect(h.holds('p', B, 0)).toBe('unknown');
    h.heard('q', { type: 'have-chunks', id: 0, sha256: A, count: 4, chunks: [] });
    expect(h.announcedLinks()).toBe(0);
    h.heard('p', { type: 'have', id: 0, version: 7, count: 3, files: [1] });
    expect(h.announcedLinks()).toBe(1);
    expect(h.holds('p', B, 0)).toBe('yes');
    expect(h.holds('p', A, 0)).toBe('no');
    expect(h.holds('p', C, 0)).toBe('no');
  });

  it('HAVE_CHUNKS: the chunks a downloading link holds; it counts as a downloader until a HAVE says it holds the file', () => {
    const h = new Holdings(manifest);
    let changes = 0;
    h.onLinkChange(() => changes++);
    h.heard('p', { type: 'have', id: 0, version: 7, count: 3, files: [] });
    h.heard('p', { type: 'have-chunks', id: 0, sha256: A, count: 4, chunks: [3] });
    h.heard('q', { type: 'have-chunks', id: 0, sha256: A, count: 4, chunks: [] });
    expect(h.downloaders(A)).toEqual(['p', 'q']);
    expect([0, 1, 2, 3].map((i) => h.holds('p', A, i))).toEqual(['no', 'no', 'no', 'yes']);
    expect(h.holds('q', A, 0)).toBe('no');
    expect(h.holds('q', B, 0)).toBe('unknown'); // q sent no HAVE
    h.heard('p', { type: 'have', id: 0, version: 7, count: 3, files: [0] }); // /a.html
    expect(h.downloaders(A)).toEqual(['p', 'q']);
    h.heard('p', { type: 'have', id: 0, version: 7, count: 3, files: [0, 2] });
    expect(h.downloaders(A)).toEqual(['q']);
    expect(h.holds('p', A, 1)).toBe('yes');
    expect(changes).toBe(5);
    h.forget('q');
    expect(h.downloaders(A)).toEqual([]);
    expect(h.announcedLinks()).toBe(1);
    h.forget('p');
    expect(h.announcedLinks()).toBe(0);
    expect(h.holds('q', A, 0)).toBe('unknown');
  });

  it('ignores a HAVE of another version or file count, and a HAVE_CHUNKS of an unlisted file or another chunk count', () => {
    const h = new Holdings(manifest);
    h.heard('p', { type: 'have', id: 0, version: 8, count: 3, files: [0, 1, 2] });
    h.heard('p', { type: 'have', id: 0, version: 7, count: 4, files: [0] });
    h.heard('p', { type: 'have-chunks', id: 0, sha256: 'f'.repeat(64), count: 4, chunks: [0] });
    h.heard('p', { type: 'have-chunks', id: 0, sha256: A, count: 5, chunks: [0] });
    expect([h.holds('p', A, 0), h.holds('p', B, 0)]).toEqual(['unknown', 'unknown']);
    expect(h.downloaders(A)).toEqual([]);
  });

  it('usefulTo counts the chunks a link holds that this visitor lacks', () => {
    const h = new Holdings(manifest);
    h.holdWhole(B);
    h.holdChunks(A, [0]);
    h.heard('p', { type: 'have', id: 0, version: 7, count: 3, files: [0, 1] }); // C (1 chunk) and B (held already)
    h.heard('p', { type: 'have-chunks', id: 0, sha256: A, count: 4, chunks: [0, 1] }); // 1 new
    h.heard('q', { type: 'have', id: 0, version: 7, count: 3, files: [1] });
    expect([h.usefulTo('p'), h.usefulTo('q'), h.usefulTo('nobody')]).toEqual([2, 0, 0]);
  });
});
