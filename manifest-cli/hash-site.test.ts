import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE } from '../core/chunks.js';
import { DeployNetError } from '../core/errors.js';
import { contentTypeOf } from './content-type.js';
import { hashFile } from './hash-file.js';
import { hashSite } from './hash-site.js';
import { bytes, cleanup, fixture, tempDir } from './site.test-kit.js';

afterEach(cleanup);

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DeployNetError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('hashFile', () => {
  it('hashes a file larger than one chunk per chunk, independently checked', async () => {
    const dir = await tempDir();
    const data = bytes(DEFAULT_CHUNK_SIZE * 2 + 12345, 7);
    const path = join(dir, 'big.bin');
    await writeFile(path, data);
    const d = await hashFile(path, '/big.bin', { chunkSize: DEFAULT_CHUNK_SIZE });
    expect(d.size).toBe(data.length);
    expect(d.sha256).toBe(sha(data));
    expect(d.chunks).toEqual([
      sha(data.subarray(0, DEFAULT_CHUNK_SIZE)),
      sha(data.subarray(DEFAULT_CHUNK_SIZE, 2 * DEFAULT_CHUNK_SIZE)),
      sha(data.subarray(2 * DEFAULT_CHUNK_SIZE)),
    ]);
  });

  it('lists no chunks for files of at most one chunk, and splits exact multiples evenly', async () => {
    const dir = await tempDir();
    const cs = 16 * 1024;
    for (const size of [0, 1, cs]) {
      await writeFile(join(dir, `f${size}`), bytes(size, size + 1));
      const d = await hashFile(join(dir, `f${size}`), `/f${size}`, { chunkSize: cs });
      expect(d.chunks).toBeUndefined();
      expect(d.sha256).toBe(sha(bytes(size, size + 1)));
    }
    const data = bytes(cs * 3, 3);
    await writeFile(join(dir, 'three'), data);
    const d = await hashFile(join(dir, 'three'), '/three', { chunkSize: cs });
    expect(d.chunks).toEqual([0, 1, 2].map((i) => sha(data.subarray(i * cs, (i + 1) * cs))));
  });

  it('reports FILE_CHANGED when the file is rewritten, grows or is touched while hashed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a.txt');
    const opts = (beforeRead: () => Promise<void>) => ({ chunkSize: DEFAULT_CHUNK_SIZE, beforeRead });
    await writeFile(path, 'aaaa');
    expect(await codeOf(hashFile(path, '/a.txt', opts(() => appendFile(path, 'more'))))).toBe('FILE_CHANGED');
    await writeFile(path, 'aaaa');
    expect(await codeOf(hashFile(path, '/a.txt', opts(() => utimes(path, new Date(), new Date(Date.now() + 5000)))))).toBe('FILE_CHANGED');
    await writeFile(path, 'aaaa');
    const replace = async (): Promise<void> => {
      await rm(path);
      await writeFile(path, 'bbbb');
    };
    await expect(hashFile(path, '/a.txt', opts(replace))).rejects.toMatchObject({ code: 'FILE_CHANGED', message: expect.stringContaining('/a.txt') });
    expect((await hashFile(path, '/a.txt', opts(async () => undefined))).sha256).toBe(sha(Buffer.from('bbbb')));
  });

  it('reports FILE_UNREADABLE naming the file when it cannot be read', async () => {
    const dir = await tempDir();
    const path = join(dir, 'gone.txt');
    await writeFile(path, 'x');
    await expect(hashFile(path, '/gone.txt', { chunkSize: DEFAULT_CHUNK_SIZE, beforeRead: () => rm(path) })).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
      message: expect.stringContaining('/gone.txt'),
    });
    expect(await codeOf(hashFile(dir, '/dir', { chunkSize: DEFAULT_CHUNK_SIZE }))).toBe('FILE_UNREADABLE');
  });
});

describe('hashSite', () => {
  it('lists every public file, sorted, with content types, and skips dot-files, the build outputs and hosts\' _headers/_redirects', async () => {
    const f = await fixture();
    await f.write('_headers', '/*\n  X-Frame-Options: DENY\n');
    await f.write('_redirects', '/old /new 301\n');
    await f.write('sub/_headers', 'a nested file of the same name is content');
    await f.write('deploynet-manifest.json', '{}');
    await f.write('deploynet-sw.js', '//');
    await f.write('deploynet.js', '//page');
    await f.write('sub/deploynet-sw.js', '// a nested file of the same name is content');
    await f.write('.well-known/x', 'x');
    await f.write('B.txt', 'upper case sorts first');
    const progress: number[] = [];
    const r = await hashSite(f.siteDir, { onProgress: (p) => progress.push(p.bytesDone / Math.max(1, p.bytesTotal)) });
    expect(Object.keys(r.files)).toEqual(['/B.txt', '/css/site.css', '/deploynet.js', '/img/dot.png', '/index.html', '/sub/_headers', '/sub/deploynet-sw.js']);
    expect(r.files['/index.html']!.type).toBe('text/html; charset=utf-8');
    expect(r.files['/img/dot.png']!.type).toBe('image/png');
    expect(r.files['/css/site.css']!.sha256).toBe(sha(await readFile(join(f.siteDir, 'css/site.css'))));
    expect(r.fileCount).toBe(7);
    expect(progress.at(-1)).toBe(1);
  });

  it('follows symlinks inside the site and refuses ones that escape it', async () => {
    const f = await fixture();
    await symlink(join(f.siteDir, 'css/site.css'), join(f.siteDir, 'alias.css'));
    expect(Object.keys((await hashSite(f.siteDir)).files)).toContain('/alias.css');
    await writeFile(join(f.root, 'outside.txt'), 'secret');
    await symlink(join(f.root, 'outside.txt'), join(f.siteDir, 'leak.txt'));
    expect(await codeOf(hashSite(f.siteDir))).toBe('PATH_ESCAPES_SITE');
  });

  it('refuses a private key in the site, under any name', async () => {
    const f = await fixture();
    await f.write('assets/notes.txt', await readFile(f.keys.privateKeyPath));
    await expect(hashSite(f.siteDir)).rejects.toMatchObject({ code: 'KEY_IN_SITE', message: expect.stringContaining('/assets/notes.txt') });
  });

  it('refuses a file name that cannot be a URL path', async () => {
    const f = await fixture();
    await f.write('what?.html', 'x');
    expect(await codeOf(hashSite(f.siteDir))).toBe('PATH_UNSAFE');
  });

  it('refuses a missing or non-directory SITE_DIR', async () => {
    const f = await fixture();
    expect(await codeOf(hashSite(join(f.root, 'nope')))).toBe('SITE_DIR_MISSING');
    expect(await codeOf(hashSite(join(f.siteDir, 'index.html')))).toBe('SITE_DIR_MISSING');
  });

  it('is deterministic across runs', async () => {
    const f = await fixture();
    await mkdir(join(f.siteDir, 'z'), { recursive: true });
    for (let i = 0; i < 20; i++) await f.write(`z/${i}.bin`, bytes(1000 + i, i + 1));
    expect(JSON.stringify((await hashSite(f.siteDir)).files)).toBe(JSON.stringify((await hashSite(f.siteDir, { concurrency: 1 })).files));
  });
});

describe('contentTypeOf', () => {
  it('adds charset=utf-8 to text types and falls back to octet-stream', () => {
    expect(contentTypeOf('/a/site.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('/app.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('/data.json')).toBe('application/json; charset=utf-8');
    expect(contentTypeOf('/font.woff2')).toBe('font/woff2');
    expect(contentTypeOf('/html')).toBe('application/octet-stream');
    expect(contentTypeOf('/LICENSE')).toBe('application/octet-stream');
  });
});
