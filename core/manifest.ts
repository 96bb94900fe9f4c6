/**
 * The content manifest: what a site is, byte for byte, signed by its owner.
 *
 * On disk (`deploynet-manifest.json`) it is a signed envelope:
 *   { "format": "deploynet-signed/1", "keyId": "<16 hex>", "signature": "<base64url, 64 bytes>",
 *     "manifest": "<the manifest JSON text, exactly as signed>" }
 * The signature is Ed25519 over the UTF-8 bytes of the `manifest` string, so nobody has to agree
 * on a canonical JSON form: the signed bytes travel as they are.
 */
import { chunkCount, isChunked, isValidChunkSize } from './chunks.js';
import { DeployNetError } from './errors.js';
import { MAX_HEADER_SETS, parseSignedHeaderSet, type HeaderSet } from './response-headers.js';
import { KEY_ID, SHA256_HEX, array, fail, int, record, str } from './validate.js';

export type { HeaderSet } from './response-headers.js';

export const MANIFEST_FORMAT = 'deploynet-manifest/1';
export const ENVELOPE_FORMAT = 'deploynet-signed/1';
/** Where the build writes the manifest, the service worker and the page script. */
export const MANIFEST_PATH = '/deploynet-manifest.json';
export const SW_PATH = '/deploynet-sw.js';
export const PAGE_SCRIPT_PATH = '/deploynet.js';

export interface ManifestFile {
  readonly size: number;
  /** Content-Type to answer with, e.g. `text/css; charset=utf-8`. */
  readonly type: string;
  /** SHA-256 of the whole file, lowercase hex. */
  readonly sha256: string;
  /** SHA-256 of each chunk, present only when the file is larger than one chunk. */
  readonly chunks?: readonly string[];
  /** Index into {@link Manifest.headers}: the signed response headers of this file; absent: none. */
  readonly headers?: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: number;
  /** ISO 8601 times. */
  readonly created: string;
  readonly expires: string;
  readonly keyId: string;
  readonly chunkSize: number;
  /** Keyed by URL path as the browser decodes it: `/css/site.css`. Sorted. */
  readonly files: Readonly<Record<string, ManifestFile>>;
  /**
   * Distinct sets of signed response headers (core/response-headers.ts), each listed once however
   * many files use it; files point into it. Absent in manifests without any (and in older ones).
   */
  readonly headers?: readonly HeaderSet[];
}

export interface SignedEnvelope {
  readonly format: typeof ENVELOPE_FORMAT;
  readonly keyId: string;
  readonly signature: string;
  readonly manifest: string;
}

const MAX_FILE_SIZE = 2 ** 32 - 1; // wire offsets are u32
const MAX_FILES = 200_000;

/** A path of the form `/a/b.c`: no empty, `.` or `..` segment, no backslash, query or control char. */
export function isSafeManifestPath(path: string): boolean {
  if (!path.startsWith('/') || path.length > 1024) return false;
  if (/[\u0000-\u001f\u007f\\?#]/.test(path)) return false;
  const segments = path.slice(1).split('/');
  return segments.every((s) => s !== '' && s !== '.' && s !== '..');
}

function parseFile(value: unknown, path: string, chunkSize: number, headerSets: number): ManifestFile {
  const code = 'MANIFEST_MALFORMED';
  const at = `files[${path}]`;
  const f = record(value, at, code);
  const size = int(f.size, `${at}.size`, code, 0, MAX_FILE_SIZE);
  const type = str(f.type, `${at}.type`, code, /^[\x20-\x7e]{1,200}$/);
  const sha256 = str(f.sha256, `${at}.sha256`, code, SHA256_HEX);
  let headers: number | undefined;
  if (f.headers !== undefined) {
    if (headerSets === 0) throw new DeployNetError(code, `${at}.headers must be absent when the manifest has no headers table`);
    headers = int(f.headers, `${at}.headers`, code, 0, headerSets - 1);
  }
  const withHeaders = headers === undefined ? {} : { headers };
  if (!isChunked(size, chunkSize)) {
    if (f.chunks !== undefined) throw new DeployNetError(code, `${at}.chunks must be absent for a file of one chunk`);
    return { size, type, sha256, ...withHeaders };
  }
  const count = chunkCount(size, chunkSize);
  const list = array(f.chunks, `${at}.chunks`, code, count);
  if (list.length !== count) throw new DeployNetError(code, `${at}.chunks must list ${count} hashes`);
  const chunks = list.map((h, i) => str(h, `${at}.chunks[${i}]`, code, SHA256_HEX));
  return { size, type, sha256, chunks, ...withHeaders };
}

/** The optional headers table: 1 to MAX_HEADER_SETS sets, each strictly on the allow-list. */
function parseHeaderTable(value: unknown): HeaderSet[] | undefined {
  const code = 'MANIFEST_MALFORMED';
  if (value === undefined) return undefined;
  const list = array(value, 'manifest.headers', code, MAX_HEADER_SETS);
  if (list.length === 0) throw new DeployNetError(code, 'manifest.headers must be absent or list at least one header set', { field: 'manifest.headers' });
  return list.map((set, i) => parseSignedHeaderSet(set, `manifest.headers[${i}]`, code));
}

/** The signed response headers of a listed file (none for a file without any, or an older manifest). */
export function fileHeaders(manifest: Manifest, file: ManifestFile): HeaderSet {
  return (file.headers !== undefined && manifest.headers?.[file.headers]) || {};
}

/** Validates a parsed manifest object. */
export function parseManifest(value: unknown): Manifest {
  const code = 'MANIFEST_MALFORMED';
  const m = record(value, 'manifest', code);
  if (m.format !== MANIFEST_FORMAT) throw new DeployNetError(code, `manifest.format must be ${MANIFEST_FORMAT}`);
  const version = int(m.version, 'manifest.version', code, 1, Number.MAX_SAFE_INTEGER);
  const created = str(m.created, 'manifest.created', code);
  const expires = str(m.expires, 'manifest.expires', code);
  if (Number.isNaN(Date.parse(created))) fail(code, 'manifest.created', 'an ISO 8601 time');
  if (Number.isNaN(Date.parse(expires))) fail(code, 'manifest.expires', 'an ISO 8601 time');
  const keyId = str(m.keyId, 'manifest.keyId', code, KEY_ID);
  const chunkSize = int(m.chunkSize, 'manifest.chunkSize', code, 1, Number.MAX_SAFE_INTEGER);
  if (!isValidChunkSize(chunkSize)) fail(code, 'manifest.chunkSize', 'a power of two from 16 KiB to 4 MiB');
  const rawFiles = record(m.files, 'manifest.files', code);
  const paths = Object.keys(rawFiles);
  if (paths.length > MAX_FILES) throw new DeployNetError(code, `manifest lists more than ${MAX_FILES} files`);
  const headers = parseHeaderTable(m.headers);
  const files: Record<string, ManifestFile> = {};
  for (const path of paths) {
    if (!isSafeManifestPath(path)) throw new DeployNetError(code, `manifest path ${JSON.stringify(path)} is not a safe URL path`);
    files[path] = parseFile(rawFiles[path], path, chunkSize, headers?.length ?? 0);
  }
  return { format: MANIFEST_FORMAT, version, created, expires, keyId, chunkSize, files, ...(headers && { headers }) };
}

/** The exact text that gets signed. Deterministic: files sorted by path. */
export function serializeManifest(manifest: Manifest): string {
  const files: Record<string, ManifestFile> = {};
  for (const path of Object.keys(manifest.files).sort()) files[path] = manifest.files[path]!;
  return JSON.stringify({ ...manifest, files });
}

export function parseEnvelope(text: string): SignedEnvelope {
  const code = 'MANIFEST_MALFORMED';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DeployNetError(code, 'the manifest file is not JSON');
  }
  const e = record(value, 'envelope', code);
  if (e.format !== ENVELOPE_FORMAT) throw new DeployNetError(code, `envelope.format must be ${ENVELOPE_FORMAT}`);
  return {
    format: ENVELOPE_FORMAT,
    keyId: str(e.keyId, 'envelope.keyId', code, KEY_ID),
    signature: str(e.signature, 'envelope.signature', code, /^[A-Za-z0-9_-]{86}$/),
    manifest: str(e.manifest, 'envelope.manifest', code),
  };
}

export function serializeEnvelope(envelope: SignedEnvelope): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/** Resolves a decoded URL path to a manifest entry: exact, then `dir/` to `dir/index.html`. */
export function lookupFile(manifest: Manifest, path: string): { path: string; file: ManifestFile } | undefined {
  const exact = manifest.files[path];
  if (exact) return { path, file: exact };
  if (path.endsWith('/')) {
    const index = `${path}index.html`;
    const file = manifest.files[index];
    if (file) return { path: index, file };
  }
  return undefined;
}

/** Cache Storage key for verified bytes: content-addressed, so unchanged files survive deploys. */
export function contentCacheKey(origin: string, sha256: string): string {
  return `${origin}/.deploynet/sha256/${sha256}`;
}

/** Cache Storage name. Content is shared by SW (writes) and bridge (reads, to seed peers). */
export const CONTENT_CACHE = 'deploynet-content-v1';

/** The SHA-256 of each chunk of a file: its chunk list, or its own hash for a file of one chunk. */
export function chunkHashes(file: ManifestFile): readonly string[] {
  return file.chunks ?? [file.sha256];
}
