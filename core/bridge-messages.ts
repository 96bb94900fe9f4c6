/**
 * Messages between the service worker and the page bridge (postMessage / MessageChannel).
 * Every message is `{ type, v }` with v = BRIDGE_PROTOCOL; parse functions validate `event.data`.
 */
import type { ByteParts } from './byte-parts.js';
import { chunkCount } from './chunks.js';
import { DeployNetError, type ErrorCode } from './errors.js';
import type { ProgressDetail } from './stats.js';
import { SHA256_HEX, int, isRecord, oneOf, str } from './validate.js';

export const BRIDGE_PROTOCOL = 1;

/** What a bridge can do for the SW right now. */
export type BridgeState = 'connecting' | 'ready' | 'no-peers' | 'off';
export const BRIDGE_STATES: readonly BridgeState[] = ['connecting', 'ready', 'no-peers', 'off'];

/** Page → SW, on navigator.serviceWorker.controller. */
export type PageToSw =
  | { readonly type: 'bridge-state'; readonly v: 1; readonly state: BridgeState }
  /** Answered with SwStatus on the transferred port. */
  | { readonly type: 'status-request'; readonly v: 1 };

export interface SwStatus {
  readonly type: 'status';
  readonly v: 1;
  readonly manifestVersion: number | null;
  /** The version the asking page was loaded under (it keeps it until it navigates). */
  readonly pageVersion: number | null;
  readonly manifestError: ErrorCode | null;
  /** The verified envelope text, or null when no manifest is in force. */
  readonly envelope: string | null;
}

/**
 * SW → every page of the origin, when a newer verified manifest is in force. Pages already open
 * keep their own version; the page script fires `deploynet:update` on window.
 */
export interface ManifestUpdated {
  readonly type: 'manifest-updated';
  readonly v: 1;
  readonly version: number;
}

export function parseManifestUpdated(data: unknown): ManifestUpdated {
  const m = header(data);
  if (m.type !== 'manifest-updated') throw new DeployNetError(CODE, 'expected a manifest-updated message');
  return { type: 'manifest-updated', v: 1, version: int(m.version, 'version', CODE, 1, Number.MAX_SAFE_INTEGER) };
}

/** SW → the page that asked for a listed file: how far its download is (see ProgressDetail). */
export interface FetchProgress extends ProgressDetail {
  readonly type: 'fetch-progress';
  readonly v: 1;
}

/** At most this often, per file, the SW tells the page how a download is going (and once at the end). */
export const FETCH_PROGRESS_EVERY_MS = 100;

/**
 * SW → page, on a transferred port: get these chunks of one file from peers. The bridge answers
 * on the same port with PeerChunk for each verified chunk (in any order), PeerFetchProgress while
 * bytes arrive, and one PeerFetchEnd last. The SW may send PeerFetchCancel on the port at any time.
 */
export interface PeerFetchRequest {
  readonly type: 'peer-fetch';
  readonly v: 1;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  /** The manifest's chunk size. */
  readonly chunkSize: number;
  /** The SHA-256 of every chunk (one entry, the file's hash, for a file of one chunk). */
  readonly chunks: readonly string[];
  /** Indices of the chunks wanted, ascending, no repeats. */
  readonly want: readonly number[];
  /** Milliseconds the bridge may spend. */
  readonly deadlineMs: number;
}

/**
 * Page → SW on a peer-fetch's port, while bytes arrive (at most a few times a second): the SW
 * gives a transfer that keeps making progress more time, and drops one that stalls.
 */
export interface PeerFetchProgress {
  readonly type: 'peer-fetch-progress';
  readonly v: 1;
  readonly received: number;
}

/**
 * Page → SW: one chunk, verified by the bridge against `chunks[index]` (the SW checks again), in
 * the pieces it came in from the peer (its DATA frames' payloads, their buffers transferred).
 * (A bridge built before pieces sent one ArrayBuffer, `body`: refused, so that SW takes such a
 * page's chunks from the origin until the page reloads with the new bridge.)
 */
export interface PeerChunk {
  readonly type: 'peer-chunk';
  readonly v: 1;
  readonly index: number;
  readonly parts: ByteParts;
  readonly peerId: string;
}


/**
 * Page → SW, last on the port: the bridge is done. `code` null: every wanted chunk was sent;
 * otherwise why some were not (the SW gets those from the origin).
 */
export interface PeerFetchEnd {
  readonly type: 'peer-fetch-end';
  readonly v: 1;
  readonly code: ErrorCode | null;
  readonly detail?: string;
}

/** SW → page on a peer-fetch's port: stop; the SW no longer needs `chunks` (all when absent). */
export interface PeerFetchCancel {
  readonly type: 'peer-fetch-cancel';
  readonly v: 1;
  readonly chunks?: readonly number[];
}

/**
 * Page → SW on a peer-fetch's port: no linked peer holds these chunks yet, and among the visitors
 * downloading the file this one owns them (rendezvous hashing over `${sha256}:${index}`, see
 * page-bridge/origin-share.ts): fetch them from the origin now, the others will get them from
 * this visitor. The SW does (the chunks it has already aside); when they arrive it cancels them
 * on the port (peer-fetch-cancel) as for any chunk the origin delivered.
 */
export interface PeerFetchOrigin {
  readonly type: 'peer-fetch-origin';
  readonly v: 1;
  /** Ascending, no repeats. */
  readonly chunks: readonly number[];
}

export type PeerFetchReply = PeerChunk | PeerFetchProgress | PeerFetchEnd | PeerFetchOrigin;

/**
 * SW → every page bridge of the origin: this visitor now holds these verified chunks of a listed
 * file, kept in the partial store (IndexedDB database PARTIALS_DB, store PARTIALS_STORE, key
 * [sha256, index]; sw/partial-store.ts), or (`chunks` null) the whole file, in Cache Storage. The
 * bridge announces it to its peers (HAVE, HAVE_CHUNKS) and serves it from there.
 */
export interface ChunksHeld {
  readonly type: 'chunks-held';
  readonly v: 1;
  readonly sha256: string;
  readonly chunks: readonly number[] | null;
}

/** The SW's IndexedDB database and the store of partly downloaded files' chunks (read by the page). */
export const PARTIALS_DB = 'deploynet';
export const PARTIALS_STORE_NAME = 'partials';

/** Printable ASCII (it ends up in a response header), at most this long. */
export const FAILURE_DETAIL_MAX = 200;

/** A failure's detail made safe for a header: printable ASCII only, cut to FAILURE_DETAIL_MAX. */
export function failureDetail(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, FAILURE_DETAIL_MAX);
}

const CODE = 'BAD_ARGUMENT';

function header(data: unknown): Record<string, unknown> {
  if (!isRecord(data) || data.v !== BRIDGE_PROTOCOL || typeof data.type !== 'string') {
    throw new DeployNetError(CODE, 'not a DeployNet bridge message of protocol 1');
  }
  return data;
}

export function parsePageToSw(data: unknown): PageToSw {
  const m = header(data);
  switch (m.type) {
    case 'bridge-state':
      return { type: 'bridge-state', v: 1, state: oneOf(m.state, 'state', CODE, BRIDGE_STATES) };
    case 'status-request':
      return { type: 'status-request', v: 1 };
    default:
      throw new DeployNetError(CODE, `unknown bridge message type ${String(m.type)}`);
  }
}

export function parseSwStatus(data: unknown): SwStatus {
  const m = header(data);
  if (m.type !== 'status') throw new DeployNetError(CODE, 'expected a status message');
  const manifestVersion = m.manifestVersion === null ? null : int(m.manifestVersion, 'manifestVersion', CODE, 1, Number.MAX_SAFE_INTEGER);
  const pageVersion = m.pageVersion === null ? null : int(m.pageVersion, 'pageVersion', CODE, 1, Number.MAX_SAFE_INTEGER);
  const manifestError = m.manifestError === null ? null : (str(m.manifestError, 'manifestError', CODE, /^[A-Z_]+$/) as ErrorCode);
  const envelope = m.envelope === null ? null : str(m.envelope, 'envelope', CODE);
  return { type: 'status', v: 1, manifestVersion, pageVersion, manifestError, envelope };
}

/** Largest file the bridge protocol carries (the wire's offsets are 32-bit). */
const MAX_FILE_BYTES = 2 ** 32 - 1;

function indices(value: unknown, field: string, count: number): number[] {
  if (!Array.isArray(value) || value.length > count) throw new DeployNetError(CODE, `${field} must be an array of at most ${count} chunk indices`);
  const out = value.map((x, i) => int(x, `${field}[${i}]`, CODE, 0, count - 1));
  for (let i = 1; i < out.length; i++) if (out[i]! <= out[i - 1]!) throw new DeployNetError(CODE, `${field} must be ascending without repeats`);
  return out;
}

export function parsePeerFetchRequest(data: unknown): PeerFetchRequest {
  const m = header(data);
  if (m.type !== 'peer-fetch') throw new DeployNetError(CODE, 'expected a peer-fetch message');
  const size = int(m.size, 'size', CODE, 0, MAX_FILE_BYTES);
  const chunkSize = int(m.chunkSize, 'chunkSize', CODE, 1, MAX_FILE_BYTES);
  const count = chunkCount(size, chunkSize);
  if (!Array.isArray(m.chunks) || m.chunks.length !== count) throw new DeployNetError(CODE, `chunks must list ${count} hashes`);
  return {
    type: 'peer-fetch',
    v: 1,
    path: str(m.path, 'path', CODE),
    sha256: str(m.sha256, 'sha256', CODE, SHA256_HEX),
    size,
    chunkSize,
    chunks: m.chunks.map((h: unknown, i) => str(h, `chunks[${i}]`, CODE, SHA256_HEX)),
    want: indices(m.want, 'want', count),
    deadlineMs: int(m.deadlineMs, 'deadlineMs', CODE, 1, 600_000),
  };
}

/** A reply on a peer-fetch's port; throws BAD_ARGUMENT for anything else. */
export function parsePeerFetchReply(data: unknown): PeerFetchReply {
  const m = header(data);
  switch (m.type) {
    case 'peer-fetch-progress':
      return { type: 'peer-fetch-progress', v: 1, received: int(m.received, 'received', CODE, 0, MAX_FILE_BYTES) };
    case 'peer-chunk':
      return { type: 'peer-chunk', v: 1, index: int(m.index, 'index', CODE, 0, MAX_FILE_BYTES), parts: chunkParts(m.parts), peerId: str(m.peerId, 'peerId', CODE) };
    case 'peer-fetch-origin':
      return { type: 'peer-fetch-origin', v: 1, chunks: indices(m.chunks, 'chunks', MAX_FILE_BYTES) };
    case 'peer-fetch-end': {
      const code = m.code === null ? null : (str(m.code, 'code', CODE, /^[A-Z_]+$/) as ErrorCode);
      if (m.detail === undefined) return { type: 'peer-fetch-end', v: 1, code };
      return { type: 'peer-fetch-end', v: 1, code, detail: str(m.detail, 'detail', CODE, /^[\x20-\x7e]{0,200}$/) };
    }
    default:
      throw new DeployNetError(CODE, `unknown peer-fetch reply ${String(m.type)}`);
  }
}

/** A PeerChunk's bytes: a list of Uint8Arrays (their total length is checked against the chunk's). */
function chunkParts(parts: unknown): ByteParts {
  if (Array.isArray(parts) && parts.every((p: unknown) => p instanceof Uint8Array)) return parts;
  throw new DeployNetError(CODE, 'parts must be an array of byte arrays');
}

export function parsePeerFetchCancel(data: unknown): PeerFetchCancel {
  const m = header(data);
  if (m.type !== 'peer-fetch-cancel') throw new DeployNetError(CODE, 'expected a peer-fetch-cancel message');
  if (m.chunks === undefined) return { type: 'peer-fetch-cancel', v: 1 };
  return { type: 'peer-fetch-cancel', v: 1, chunks: indices(m.chunks, 'chunks', MAX_FILE_BYTES) };
}

/** The SW's chunks-held message, or undefined for any other message; throws BAD_ARGUMENT when malformed. */
export function parseChunksHeld(data: unknown): ChunksHeld | undefined {
  if (!isRecord(data) || data.type !== 'chunks-held') return undefined;
  const m = header(data);
  const sha256 = str(m.sha256, 'sha256', CODE, SHA256_HEX);
  return { type: 'chunks-held', v: 1, sha256, chunks: m.chunks === null ? null : indices(m.chunks, 'chunks', MAX_FILE_BYTES) };
}

/** The SW's fetch-progress message, or undefined for any other message; throws BAD_ARGUMENT when malformed. */
export function parseFetchProgress(data: unknown): FetchProgress | undefined {
  if (!isRecord(data) || data.type !== 'fetch-progress') return undefined;
  const m = header(data);
  const total = int(m.total, 'total', CODE, 0, MAX_FILE_BYTES);
  const loaded = int(m.loaded, 'loaded', CODE, 0, total);
  if (!isRecord(m.bytes)) throw new DeployNetError(CODE, 'bytes must be an object');
  const b = m.bytes;
  const bytes = { cache: int(b.cache, 'bytes.cache', CODE, 0, total), peer: int(b.peer, 'bytes.peer', CODE, 0, total), origin: int(b.origin, 'bytes.origin', CODE, 0, total) };
  if (bytes.cache + bytes.peer + bytes.origin !== loaded) throw new DeployNetError(CODE, 'bytes by source must add up to loaded');
  return { type: 'fetch-progress', v: 1, url: str(m.url, 'url', CODE), loaded, total, bytes };
}
