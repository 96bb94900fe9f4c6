/**
 * `deploynet verify`: checks a built site against its signed manifest, the way a visitor's service
 * worker would, and lists every mismatch instead of stopping at the first: signature, key and
 * expiry (core verifyManifest), then each listed file's size, hash and chunk hashes, then files on
 * disk the manifest does not list.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployNetError, type ErrorCode } from '../core/errors.js';
import { MANIFEST_PATH, type Manifest } from '../core/manifest.js';
import { verifyManifest } from '../core/manifest-verify.js';
import { fsError } from './fs-errors.js';
import { hashFile } from './hash-file.js';
import { loadPublicKey } from './keys.js';
import { nodeCrypto } from './node-crypto.js';
import { mapLimit } from './pool.js';
import { resolveSiteDir, walkSite, type SiteEntry } from './walk-site.js';

export interface VerifyProblem {
  /** URL path of the file concerned; absent for problems of the manifest itself. */
  readonly path?: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface VerifySiteOptions {
  readonly siteDir: string;
  readonly pubFile: string;
  /** Milliseconds since the epoch (default Date.now()). */
  readonly now?: number;
}

export interface VerifySiteResult {
  readonly ok: boolean;
  /** Present when the signature verified (even if the manifest has expired). */
  readonly manifest?: Manifest;
  readonly problems: readonly VerifyProblem[];
}

function problemOf(err: unknown, path?: string): VerifyProblem {
  if (err instanceof DeployNetError) return { ...(path !== undefined && { path }), code: err.code, message: err.message };
  throw err;
}

async function checkFile(manifest: Manifest, path: string, entry: SiteEntry | undefined): Promise<VerifyProblem[]> {
  const want = manifest.files[path]!;
  if (!entry) return [{ path, code: 'FILE_UNREADABLE', message: `${path} is listed in the manifest but missing from the site` }];
  if (entry.size !== want.size) {
    return [{ path, code: 'SIZE_MISMATCH', message: `${path} is ${entry.size} bytes, the manifest says ${want.size}` }];
  }
  let got;
  try {
    got = await hashFile(entry.absPath, path, { chunkSize: manifest.chunkSize });
  } catch (err) {
    return [problemOf(err, path)];
  }
  const problems: VerifyProblem[] = [];
  if (got.size !== want.size) problems.push({ path, code: 'SIZE_MISMATCH', message: `${path} is ${got.size} bytes, the manifest says ${want.size}` });
  if (got.sha256 !== want.sha256) problems.push({ path, code: 'HASH_MISMATCH', message: `${path} does not match its SHA-256 in the manifest` });
  const bad = (want.chunks ?? []).flatMap((h, i) => (got.chunks?.[i] === h ? [] : [i]));
  if (bad.length > 0) {
    problems.push({ path, code: 'HASH_MISMATCH', message: `${path}: chunk${bad.length > 1 ? 's' : ''} ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ', ...' : ''} of ${want.chunks!.length} do not match` });
  }
  return problems;
}

/**
 * Checks a built site against its signed manifest with the public key: `deploynet verify` (the
 * CLI calls exactly this). A site that does not match is not an exception: `ok` is false and
 * `problems` lists every mismatch (bad signature, expired manifest, changed, missing or unlisted
 * files). It throws (DeployNetError) only when it cannot check at all: a missing site folder, an
 * unreadable or wrong key file.
 *
 * @example
 * ```ts
 * import { verifySite } from 'deploynet';
 *
 * const { ok, problems } = await verifySite({ siteDir: 'public', pubFile: 'deploynet.pub' });
 * for (const p of problems) console.error(`${p.code} ${p.path ?? ''}: ${p.message}`);
 * if (!ok) process.exitCode = 1;
 * ```
 */
export async function verifySite(options: VerifySiteOptions): Promise<VerifySiteResult> {
  const now = options.now ?? Date.now();
  const root = await resolveSiteDir(options.siteDir);
  const key = await loadPublicKey(options.pubFile);
  const problems: VerifyProblem[] = [];

  let envelopeText: string;
  try {
    envelopeText = await readFile(join(root, MANIFEST_PATH.slice(1)), 'utf8');
  } catch (err) {
    const e = fsError('MANIFEST_UNAVAILABLE', 'read', MANIFEST_PATH, err);
    return { ok: false, problems: [{ code: e.code, message: `${e.message}; run \`deploynet build\` first` }] };
  }
  let manifest: Manifest;
  try {
    manifest = (await verifyManifest(envelopeText, { publicKey: key.publicKey }, { crypto: nodeCrypto, now })).manifest;
  } catch (err) {
    if (!(err instanceof DeployNetError && err.code === 'MANIFEST_EXPIRED')) return { ok: false, problems: [problemOf(err)] };
    // Signed and well-formed but expired: report it, and still check the files against it.
    problems.push(problemOf(err));
    manifest = (await verifyManifest(envelopeText, { publicKey: key.publicKey }, { crypto: nodeCrypto, now: 0 })).manifest;
  }

  const walk = await walkSite(root);
  problems.push(...walk.problems.map((e) => problemOf(e, typeof e.details.path === 'string' ? e.details.path : undefined)));
  const onDisk = new Map(walk.files.map((f) => [f.path, f]));
  const listed = Object.keys(manifest.files).sort();
  const reported = new Set(problems.map((p) => p.path));
  const fileProblems = await mapLimit(listed, 4, async (path) => (reported.has(path) ? [] : checkFile(manifest, path, onDisk.get(path))));
  problems.push(...fileProblems.flat());
  for (const f of walk.files) {
    if (!(f.path in manifest.files)) problems.push({ path: f.path, code: 'NOT_IN_MANIFEST', message: `${f.path} is in the site but not in the manifest; run \`deploynet build\` again` });
  }
  return { ok: problems.length === 0, manifest, problems };
}
