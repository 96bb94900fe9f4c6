/** Writes a file so readers see the old or the new content, never half: temp file + rename. */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsError } from './fs-errors.js';

/** The temp name starts with a dot, so a concurrent site walk skips it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number; encoding?: BufferEncoding } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { mode: options.mode ?? 0o644, encoding: options.encoding ?? 'utf8', flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fsError('FILE_UNWRITABLE', 'write', path, err);
  }
}
