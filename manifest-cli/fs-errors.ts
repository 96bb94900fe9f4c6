/** Turns node:fs errors into one-sentence DeployNetErrors that name the file. */
import { DeployNetError, type ErrorCode } from '../core/errors.js';

/** The errno code of a node:fs error (`ENOENT`, `EACCES`, ...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'the disk is full',
  EROFS: 'the file system is read-only',
  ELOOP: 'too many symbolic links',
};

export function reasonOf(err: unknown): string {
  const code = errnoCode(err);
  return (code && REASONS[code]) ?? (code ? code : err instanceof Error ? err.message : String(err));
}

/** Passes DeployNetErrors through; wraps anything else as `code` with "cannot <verb> <path>: reason". */
export function fsError(code: ErrorCode, verb: string, path: string, err: unknown): DeployNetError {
  if (err instanceof DeployNetError) return err;
  return new DeployNetError(code, `cannot ${verb} ${path}: ${reasonOf(err)}`, { path, errno: errnoCode(err) });
}
