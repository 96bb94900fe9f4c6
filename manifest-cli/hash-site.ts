/**
 * Hashes a whole site into manifest file entries: walk (walk-site.ts), then stream every file
 * (hash-file.ts), a few files at a time. The first problem stops the build.
 */
import { DEFAULT_CHUNK_SIZE } from '../core/chunks.js';
import { DeployNetError } from '../core/errors.js';
import type { ManifestFile } from '../core/manifest.js';
import { contentTypeOf } from './content-type.js';
import { hashFile } from './hash-file.js';
import { mapLimit } from './pool.js';
import { resolveSiteDir, walkSite } from './walk-site.js';

export interface HashProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

export interface HashSiteOptions {
  readonly chunkSize?: number;
  /** Files hashed at the same time (default 4): enough to overlap I/O with hashing. */
  readonly concurrency?: number;
  readonly onProgress?: (progress: HashProgress) => void;
  /** Test seam, passed to hashFile: runs between the first stat and the first read of each file. */
  readonly beforeRead?: (absPath: string) => void | Promise<void>;
}

export interface HashedSite {
  /** Keyed by URL path, sorted. */
  readonly files: Readonly<Record<string, ManifestFile>>;
  readonly fileCount: number;
  readonly totalBytes: number;
}

/** Throws the first problem the walk found, saying how many more there are. */
export function throwFirst(problems: readonly DeployNetError[]): void {
  const first = problems[0];
  if (!first) return;
  if (problems.length === 1) throw first;
  throw new DeployNetError(first.code, `${first.message} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`, first.details);
}

export async function hashSite(siteDir: string, options: HashSiteOptions = {}): Promise<HashedSite> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const root = await resolveSiteDir(siteDir);
  const walk = await walkSite(root);
  throwFirst(walk.problems);

  const bytesTotal = walk.files.reduce((n, f) => n + f.size, 0);
  let bytesDone = 0;
  let filesDone = 0;
  const report = (): void => options.onProgress?.({ bytesDone, bytesTotal, filesDone, filesTotal: walk.files.length });
  report();

  const digests = await mapLimit(walk.files, options.concurrency ?? 4, async (entry) => {
    const digest = await hashFile(entry.absPath, entry.path, {
      chunkSize,
      beforeRead: options.beforeRead,
      onBytes: (n) => {
        bytesDone += n;
        report();
      },
    });
    filesDone++;
    report();
    return digest;
  });

  const files: Record<string, ManifestFile> = {};
  let totalBytes = 0;
  walk.files.forEach((entry, i) => {
    const d = digests[i]!;
    totalBytes += d.size;
    const type = contentTypeOf(entry.path);
    files[entry.path] = d.chunks ? { size: d.size, type, sha256: d.sha256, chunks: d.chunks } : { size: d.size, type, sha256: d.sha256 };
  });
  return { files, fileCount: walk.files.length, totalBytes };
}
