/**
 * Streams one file through SHA-256: the whole file and, when it is larger than one chunk, each
 * chunk (core/chunks.ts). Memory stays at one read buffer whatever the file size. A file that
 * changes while it is read (size, mtime or inode differ before and after, or the bytes read are
 * not the size) is FILE_CHANGED: a manifest must never describe bytes that never existed.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { chunkCount, isChunked } from '../core/chunks.js';
import { DeployNetError } from '../core/errors.js';
import { fsError } from './fs-errors.js';
import { keyInSiteError, looksLikePrivateKey } from './leaked-key.js';

export interface FileDigest {
  readonly size: number;
  readonly sha256: string;
  /** Present only when size > chunkSize. */
  readonly chunks?: readonly string[];
}

export interface HashFileOptions {
  readonly chunkSize: number;
  /** Bytes hashed so far, called per read buffer (for progress). */
  readonly onBytes?: (n: number) => void;
  /** Test seam: runs after the first stat and before the first read. */
  readonly beforeRead?: (absPath: string) => void | Promise<void>;
}

function changed(path: string, why: string): DeployNetError {
  return new DeployNetError('FILE_CHANGED', `${path} changed while it was being hashed (${why}); run the build again once nothing writes to the site`, { path });
}

function sameFile(a: Stats, b: Stats): string | undefined {
  if (a.size !== b.size) return `size ${a.size} became ${b.size}`;
  if (a.mtimeMs !== b.mtimeMs) return 'modification time moved';
  if (a.ino !== b.ino) return 'the file was replaced';
  return undefined;
}

/** Splits a stream of buffers at chunk boundaries and hashes each chunk. */
class ChunkHasher {
  readonly digests: string[] = [];
  private hash: Hash = createHash('sha256');
  private filled = 0;

  constructor(private readonly chunkSize: number) {}

  update(buf: Uint8Array): void {
    let off = 0;
    while (off < buf.length) {
      const take = Math.min(this.chunkSize - this.filled, buf.length - off);
      this.hash.update(buf.subarray(off, off + take));
      this.filled += take;
      off += take;
      if (this.filled === this.chunkSize) this.flush();
    }
  }

  finish(): string[] {
    if (this.filled > 0) this.flush();
    return this.digests;
  }

  private flush(): void {
    this.digests.push(this.hash.digest('hex'));
    this.hash = createHash('sha256');
    this.filled = 0;
  }
}

/** `path` names the file in errors (the URL path); `absPath` is what is read. */
export async function hashFile(absPath: string, path: string, options: HashFileOptions): Promise<FileDigest> {
  const { chunkSize } = options;
  let before: Stats;
  try {
    before = await stat(absPath);
  } catch (err) {
    throw fsError('FILE_UNREADABLE', 'read', path, err);
  }
  await options.beforeRead?.(absPath);

  const whole = createHash('sha256');
  const chunks = isChunked(before.size, chunkSize) ? new ChunkHasher(chunkSize) : undefined;
  let bytes = 0;
  let handle;
  try {
    handle = await open(absPath, 'r');
    for await (const data of handle.createReadStream({ highWaterMark: chunkSize, autoClose: false })) {
      const buf: Buffer = data;
      if (bytes === 0 && looksLikePrivateKey(buf)) throw keyInSiteError(path);
      bytes += buf.length;
      if (bytes > before.size) throw changed(path, `it grew past ${before.size} bytes`);
      whole.update(buf);
      chunks?.update(buf);
      options.onBytes?.(buf.length);
    }
  } catch (err) {
    throw fsError('FILE_UNREADABLE', 'read', path, err);
  } finally {
    await handle?.close();
  }

  let after: Stats;
  try {
    after = await stat(absPath);
  } catch {
    throw changed(path, 'it was removed');
  }
  const why = sameFile(before, after) ?? (bytes !== before.size ? `read ${bytes} of ${before.size} bytes` : undefined);
  if (why) throw changed(path, why);

  const sha256 = whole.digest('hex');
  if (!chunks) return { size: bytes, sha256 };
  const list = chunks.finish();
  if (list.length !== chunkCount(bytes, chunkSize)) throw new DeployNetError('INTERNAL', `chunk count mismatch for ${path}`);
  return { size: bytes, sha256, chunks: list };
}
