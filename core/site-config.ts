/**
 * The per-site configuration that `deploynet build` bakes into deploynet-sw.js and deploynet.js.
 * The public key in it is the trust root (security invariant 1).
 */
import { DeployNetError } from './errors.js';
import { KEY_ID, array, bool, int, isRecord, oneOf, record, str } from './validate.js';

export type FirstVisitMode = 'reload' | 'none';

export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface SiteConfig {
  readonly v: 1;
  /** Raw Ed25519 public key, base64url. */
  readonly publicKey: string;
  readonly keyId: string;
  /** Signaling node base URL (`http://127.0.0.1:9000`), or null for no peers at all. */
  readonly signal: string | null;
  /** ICE servers for RTCPeerConnection; empty by default (no public STUN/TURN). */
  readonly iceServers: readonly IceServer[];
  /** `reload`: a first visit installs the SW and reloads once so subresources can come from peers. */
  readonly firstVisit: FirstVisitMode;
  /** Budget for the whole peer attempt of one request, after which the SW goes to the origin. */
  readonly peerTimeoutMs: number;
  /** Whether this visitor serves others. The page can still turn it off (data-upload="off"). */
  readonly upload: boolean;
  /** Peer connections a visitor opens at most. */
  readonly maxPeers: number;
}

export const SITE_CONFIG_DEFAULTS = {
  signal: null,
  iceServers: [],
  firstVisit: 'reload',
  peerTimeoutMs: 2500,
  upload: true,
  maxPeers: 4,
} as const satisfies Partial<SiteConfig>;

function parseIceServer(value: unknown, i: number): IceServer {
  const code = 'BAD_CONFIG';
  const s = record(value, `iceServers[${i}]`, code);
  const urls = typeof s.urls === 'string' ? s.urls : array(s.urls, `iceServers[${i}].urls`, code, 16).map((u, j) => str(u, `iceServers[${i}].urls[${j}]`, code));
  const out: { urls: string | string[]; username?: string; credential?: string } = { urls };
  if (s.username !== undefined) out.username = str(s.username, `iceServers[${i}].username`, code);
  if (s.credential !== undefined) out.credential = str(s.credential, `iceServers[${i}].credential`, code);
  return out;
}

/** Validates a signal base URL: http(s), no query or fragment; returns it without a trailing slash. */
export function parseSignalUrl(value: unknown, field = 'signal'): string {
  const text = str(value, field, 'BAD_CONFIG');
  const m = /^(https?):\/\/([^/?#\s]+)(\/[^?#\s]*)?$/.exec(text);
  if (!m) throw new DeployNetError('BAD_CONFIG', `${field} must be an http:// or https:// base URL such as http://127.0.0.1:9000`, { field });
  return text.replace(/\/+$/, '');
}

/** Validates a full or partial config and fills in defaults. */
export function resolveSiteConfig(value: unknown): SiteConfig {
  const code = 'BAD_CONFIG';
  if (!isRecord(value)) throw new DeployNetError(code, 'site config must be an object');
  const given = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
  const c: Record<string, unknown> = { ...SITE_CONFIG_DEFAULTS, ...given };
  if (c.v !== undefined && c.v !== 1) throw new DeployNetError(code, 'site config v must be 1');
  return {
    v: 1,
    publicKey: str(c.publicKey, 'publicKey', code, /^[A-Za-z0-9_-]{43}$/),
    keyId: str(c.keyId, 'keyId', code, KEY_ID),
    signal: c.signal === null ? null : parseSignalUrl(c.signal),
    iceServers: array(c.iceServers, 'iceServers', code, 32).map(parseIceServer),
    firstVisit: oneOf(c.firstVisit, 'firstVisit', code, ['reload', 'none'] as const),
    peerTimeoutMs: int(c.peerTimeoutMs, 'peerTimeoutMs', code, 100, 60_000),
    upload: bool(c.upload, 'upload', code),
    maxPeers: int(c.maxPeers, 'maxPeers', code, 0, 64),
  };
}

/**
 * Slowest peer transfer worth waiting for, bytes per second. A peer attempt for a file of `size`
 * bytes gets peerTimeoutMs to start plus the time this rate needs for the bytes, so a 5 MiB
 * file is not cut off by a budget sized for small assets; a peer that stalls is still dropped
 * after peerTimeoutMs without progress (see the bridge's idle timeout).
 */
export const MIN_PEER_RATE = 1_000_000;

export function peerBudgetMs(config: Pick<SiteConfig, 'peerTimeoutMs'>, size: number): number {
  return config.peerTimeoutMs + Math.ceil((size / MIN_PEER_RATE) * 1000);
}
