/**
 * The per-site configuration that `deploynet build` bakes into deploynet-sw.js and deploynet.js.
 * The public key in it is the trust root (security invariant 1).
 */
import { DeployNetError } from './errors.js';
import { REGION } from './swarm.js';
import { KEY_ID, array, bool, int, isRecord, oneOf, record, str } from './validate.js';

export type FirstVisitMode = 'reload' | 'none';
/** RTCConfiguration.iceTransportPolicy: `relay` uses TURN only, so peers never see each other's addresses. */
export type IceTransportPolicy = 'all' | 'relay';

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
  /** Upload limit per visitor (all peers together), bytes per second; 0 means unlimited. */
  readonly uploadRateBytesPerSec: number;
  /**
   * `relay`: relay-only mode, for sites that must not expose visitors' addresses to each other;
   * needs the site's own TURN server (a `turn:`/`turns:` URL) in iceServers.
   */
  readonly iceTransportPolicy: IceTransportPolicy;
  /**
   * The signal node's site token, presented as the PeerJS `key` (see the signal node's
   * --site-tokens), or null for a node without tokens. Public: anyone who loads the page can read
   * it; it keeps casual and hot-linking clients off a node, nothing more.
   */
  readonly signalToken: string | null;
  /**
   * A region hint sent with every swarm join (core/swarm.ts REGION, e.g. `eu-west`): the signal
   * node names peers of the same region first. Null: none. A page can set its own with
   * `data-region` on the script tag (e.g. written by an edge that knows the visitor's region).
   */
  readonly region: string | null;
}

/** A site token: 16 to 128 characters of A-Z, a-z, 0-9, `_` and `-`. */
export const SIGNAL_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** Highest accepted uploadRateBytesPerSec (1 GB/s). */
export const MAX_UPLOAD_RATE = 1_000_000_000;

/**
 * The fields the service worker reads (sw/): its trust root and what it needs to ask peers. Its
 * `signal` is only known to be a string or null (see resolveWorkerConfig).
 */
export type WorkerConfig = Pick<SiteConfig, 'v' | 'publicKey' | 'keyId' | 'signal' | 'peerTimeoutMs' | 'maxPeers'>;

const WORKER_DEFAULTS = { signal: null, peerTimeoutMs: 2500, maxPeers: 4 } as const satisfies Partial<WorkerConfig>;

export const SITE_CONFIG_DEFAULTS = {
  signal: WORKER_DEFAULTS.signal,
  iceServers: [],
  firstVisit: 'reload',
  peerTimeoutMs: WORKER_DEFAULTS.peerTimeoutMs,
  upload: true,
  maxPeers: WORKER_DEFAULTS.maxPeers,
  uploadRateBytesPerSec: 0,
  iceTransportPolicy: 'all',
  signalToken: null,
  region: null,
} as const satisfies Partial<SiteConfig>;

function parseIceServer(value: unknown, at: string): IceServer {
  const code = 'BAD_CONFIG';
  const s = record(value, at, code);
  const urls = typeof s.urls === 'string' ? s.urls : array(s.urls, `${at}.urls`, code, 16).map((u, j) => str(u, `${at}.urls[${j}]`, code));
  const out: { urls: string | string[]; username?: string; credential?: string } = { urls };
  if (s.username !== undefined) out.username = str(s.username, `${at}.username`, code);
  if (s.credential !== undefined) out.credential = str(s.credential, `${at}.credential`, code);
  return out;
}

/** Validates a list of RTCIceServer objects (urls, username, credential; at most 32). */
export function parseIceServers(value: unknown, field = 'iceServers'): IceServer[] {
  return array(value, field, 'BAD_CONFIG', 32).map((s, i) => parseIceServer(s, `${field}[${i}]`));
}

const isTurnUrl = (url: string): boolean => /^turns?:/i.test(url);

/** Whether any of these servers is a TURN server, which relay-only mode needs. */
export function hasTurnServer(servers: readonly IceServer[]): boolean {
  return servers.some((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls).some(isTurnUrl));
}

/** Validates a signal base URL: http(s), no query or fragment; returns it without a trailing slash. */
export function parseSignalUrl(value: unknown, field = 'signal'): string {
  const text = str(value, field, 'BAD_CONFIG');
  const m = /^(https?):\/\/([^/?#\s]+)(\/[^?#\s]*)?$/.exec(text);
  if (!m) throw new DeployNetError('BAD_CONFIG', `${field} must be an http:// or https:// base URL such as http://127.0.0.1:9000`, { field });
  return text.replace(/\/+$/, '');
}

/** The given fields over `defaults` (a field set to undefined takes its default); checks `v`. */
function withDefaults(value: unknown, defaults: object): Record<string, unknown> {
  if (!isRecord(value)) throw new DeployNetError('BAD_CONFIG', 'site config must be an object');
  const c: Record<string, unknown> = { ...defaults, ...Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) };
  if (c.v !== undefined && c.v !== 1) throw new DeployNetError('BAD_CONFIG', 'site config v must be 1');
  return c;
}

/** The rules of the fields the service worker reads, once for both resolvers below. */
const workerField = {
  publicKey: (v: unknown) => str(v, 'publicKey', 'BAD_CONFIG', /^[A-Za-z0-9_-]{43}$/),
  keyId: (v: unknown) => str(v, 'keyId', 'BAD_CONFIG', KEY_ID),
  peerTimeoutMs: (v: unknown) => int(v, 'peerTimeoutMs', 'BAD_CONFIG', 100, 60_000),
  maxPeers: (v: unknown) => int(v, 'maxPeers', 'BAD_CONFIG', 0, 64),
};

/**
 * Validates the part of a full or partial config that the service worker reads, with the same
 * rules and defaults as {@link resolveSiteConfig}; other fields are left to the page script,
 * which uses them and resolves the whole config (and `deploynet build` resolved it before baking
 * it in). Of `signal` the worker reads only whether it is set (null: no peers), so its URL form is
 * the page's to check too. Validating only what it reads keeps the worker's bundle small (issue 6:
 * the signal URL, ICE server, relay, token and region rules are about 0.55 KB gzipped).
 */
export function resolveWorkerConfig(value: unknown): WorkerConfig {
  const c = withDefaults(value, WORKER_DEFAULTS);
  return {
    v: 1,
    publicKey: workerField.publicKey(c.publicKey),
    keyId: workerField.keyId(c.keyId),
    signal: c.signal === null ? null : str(c.signal, 'signal', 'BAD_CONFIG'),
    peerTimeoutMs: workerField.peerTimeoutMs(c.peerTimeoutMs),
    maxPeers: workerField.maxPeers(c.maxPeers),
  };
}

/** Validates a full or partial config and fills in defaults. */
export function resolveSiteConfig(value: unknown): SiteConfig {
  const code = 'BAD_CONFIG';
  const c = withDefaults(value, SITE_CONFIG_DEFAULTS);
  const config: SiteConfig = {
    v: 1,
    publicKey: workerField.publicKey(c.publicKey),
    keyId: workerField.keyId(c.keyId),
    signal: c.signal === null ? null : parseSignalUrl(c.signal),
    iceServers: parseIceServers(c.iceServers),
    firstVisit: oneOf(c.firstVisit, 'firstVisit', code, ['reload', 'none'] as const),
    peerTimeoutMs: workerField.peerTimeoutMs(c.peerTimeoutMs),
    upload: bool(c.upload, 'upload', code),
    maxPeers: workerField.maxPeers(c.maxPeers),
    uploadRateBytesPerSec: int(c.uploadRateBytesPerSec, 'uploadRateBytesPerSec', code, 0, MAX_UPLOAD_RATE),
    iceTransportPolicy: oneOf(c.iceTransportPolicy, 'iceTransportPolicy', code, ['all', 'relay'] as const),
    signalToken: c.signalToken === null ? null : str(c.signalToken, 'signalToken', code, SIGNAL_TOKEN),
    region: c.region === null ? null : str(c.region, 'region', code, REGION),
  };
  if (config.iceTransportPolicy === 'relay' && !hasTurnServer(config.iceServers)) {
    throw new DeployNetError(
      code,
      "iceTransportPolicy 'relay' (relay-only) needs the site's own TURN server (a turn: or turns: URL) in iceServers; without one no peer could ever connect",
      { field: 'iceTransportPolicy' },
    );
  }
  return config;
}

/**
 * Slowest peer transfer worth waiting for, bytes per second: a peer attempt for a file of `size`
 * bytes may take at most peerTimeoutMs plus the time this rate needs for the bytes. Within that
 * cap a transfer lives as long as it makes progress: the bridge and the SW drop it after
 * peerTimeoutMs without any (a stall), so a slow start or a stalled peer costs at most that.
 */
export const MIN_PEER_RATE = 250_000;

export function peerBudgetMs(config: Pick<SiteConfig, 'peerTimeoutMs'>, size: number): number {
  return config.peerTimeoutMs + Math.ceil((size / MIN_PEER_RATE) * 1000);
}
