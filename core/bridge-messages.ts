/**
 * Messages between the service worker and the page bridge (postMessage / MessageChannel).
 * Every message is `{ type, v }` with v = BRIDGE_PROTOCOL; parse functions validate `event.data`.
 */
import { DeployNetError, type ErrorCode } from './errors.js';
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

/** SW → page, on a transferred port; answered with PeerFetchResult on the same port. */
export interface PeerFetchRequest {
  readonly type: 'peer-fetch';
  readonly v: 1;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
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

export function parsePeerFetchProgress(data: unknown): PeerFetchProgress | undefined {
  if (!isRecord(data) || data.type !== 'peer-fetch-progress') return undefined;
  header(data);
  return { type: 'peer-fetch-progress', v: 1, received: int(data.received, 'received', CODE, 0, 2 ** 32 - 1) };
}

export type PeerFetchResult =
  | { readonly type: 'peer-fetch-result'; readonly v: 1; readonly ok: true; readonly body: ArrayBuffer; readonly peerId: string }
  | { readonly type: 'peer-fetch-result'; readonly v: 1; readonly ok: false; readonly code: ErrorCode; readonly detail?: string };

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

export function parsePeerFetchRequest(data: unknown): PeerFetchRequest {
  const m = header(data);
  if (m.type !== 'peer-fetch') throw new DeployNetError(CODE, 'expected a peer-fetch message');
  return {
    type: 'peer-fetch',
    v: 1,
    path: str(m.path, 'path', CODE),
    sha256: str(m.sha256, 'sha256', CODE, SHA256_HEX),
    size: int(m.size, 'size', CODE, 0, 2 ** 32 - 1),
    deadlineMs: int(m.deadlineMs, 'deadlineMs', CODE, 1, 600_000),
  };
}

export function parsePeerFetchResult(data: unknown): PeerFetchResult {
  const m = header(data);
  if (m.type !== 'peer-fetch-result') throw new DeployNetError(CODE, 'expected a peer-fetch-result message');
  if (m.ok === true) {
    if (!(m.body instanceof ArrayBuffer)) throw new DeployNetError(CODE, 'body must be an ArrayBuffer');
    return { type: 'peer-fetch-result', v: 1, ok: true, body: m.body, peerId: str(m.peerId, 'peerId', CODE) };
  }
  const code = str(m.code, 'code', CODE, /^[A-Z_]+$/) as ErrorCode;
  if (m.detail === undefined) return { type: 'peer-fetch-result', v: 1, ok: false, code };
  return { type: 'peer-fetch-result', v: 1, ok: false, code, detail: str(m.detail, 'detail', CODE, /^[\x20-\x7e]{0,200}$/) };
}
