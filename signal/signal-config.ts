/**
 * Configuration of one signaling node: a readonly interface, its defaults and the one function
 * that validates whatever a caller (the CLI through signal-settings.ts, a build tool, a test)
 * passes in. Limits are per address unless named otherwise (security invariant 8).
 */
import { DeployNetError } from '../core/errors.js';
import { MAX_SWARM_ANSWER, PEERJS_KEY } from '../core/swarm.js';
import type { BucketClock } from '../core/token-bucket.js';
import { array, int, isRecord, oneOf, str } from '../core/validate.js';
import { nodeClock } from './address-limits.js';
import { type AllowedOrigins, parseAllowedOrigins } from './origin-policy.js';
import { LOG_LEVELS, type LogThreshold, type SignalLog, levelEnabled } from './signal-log.js';

/** Default cap on one WebSocket message (an SDP offer is a few KiB). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** What a caller may pass to startSignalNode; every field is optional. */
export interface SignalOptions {
  /** TCP port; 0 binds any free port (read the real one from SignalNode.port). Default 9000. */
  readonly port?: number;
  /** Interface to bind. Default '127.0.0.1'. */
  readonly host?: string;
  /** Most peers one swarm-join answer names, whatever the page asks for. Default MAX_SWARM_ANSWER. */
  readonly maxSwarmAnswer?: number;
  /** Structured log sink (signal-log.ts). Default: no logging. */
  readonly log?: SignalLog;
  /** Entries below this level are dropped. Default 'info'. */
  readonly logLevel?: LogThreshold;
  /** Browser origins that may use the node (origin-policy.ts). Default '*': every origin. */
  readonly allowedOrigins?: AllowedOrigins;
  /** When non-empty, a PeerJS client must use one of these as its `key`. Default: none needed. */
  readonly siteTokens?: readonly string[];
  /** Proxies in front of the node that append to X-Forwarded-For (client-address.ts). Default 0. */
  readonly trustProxy?: number;
  /** Open PeerServer connections on the node. Default 5000 (PeerServer's own default). */
  readonly maxPeers?: number;
  /** Open connections per address. Default 64. */
  readonly maxConnectionsPerAddress?: number;
  /** Requests (upgrades, messages, HTTP calls) per second per address, sustained. Default 100. */
  readonly messageRate?: number;
  /** Requests an address may send at once. Default 1000. */
  readonly messageBurst?: number;
  /** Largest WebSocket message; a larger one closes the socket (1009). Default 64 KiB. */
  readonly maxMessageBytes?: number;
  /** On close(): how long clients get to go before their sockets are cut. Default 10 000 ms. */
  readonly drainTimeoutMs?: number;
  /** Clock of the rate limits (tests pass a manual one). Default: performance.now. */
  readonly clock?: BucketClock;
  /**
   * `redis://` or `rediss://` URL of a Redis (6.2 or later) that several nodes share
   * (signal-cluster.ts). Default: none, one node alone with everything in memory.
   */
  readonly redis?: string;
  /** With redis: how long a node's peers stay present after the node stops refreshing. Default 30 000 ms. */
  readonly presenceTtlMs?: number;
  /**
   * Dead-socket detection (peer-gate.ts): a WebSocket silent (no message, no pong) for half of
   * this is pinged, and cut if still silent half of this later, so a peer whose socket died
   * without a close leaves within one and a half intervals of its last frame. Default 10 000 ms.
   */
  readonly pingIntervalMs?: number;
}

export interface SignalConfig {
  readonly port: number;
  readonly host: string;
  readonly maxSwarmAnswer: number;
  /** The caller's sink behind the level filter; never throws. */
  readonly log: SignalLog;
  readonly logLevel: LogThreshold;
  readonly allowedOrigins: AllowedOrigins;
  readonly siteTokens: readonly string[];
  readonly trustProxy: number;
  readonly maxPeers: number;
  readonly maxConnectionsPerAddress: number;
  readonly messageRate: number;
  readonly messageBurst: number;
  readonly maxMessageBytes: number;
  readonly drainTimeoutMs: number;
  readonly clock: BucketClock;
  /** Never log it: it may carry a password. */
  readonly redis: string | undefined;
  readonly presenceTtlMs: number;
  readonly pingIntervalMs: number;
}

export const SIGNAL_CONFIG_DEFAULTS = {
  port: 9000,
  host: '127.0.0.1',
  maxSwarmAnswer: MAX_SWARM_ANSWER,
  logLevel: 'info',
  allowedOrigins: '*',
  siteTokens: [],
  trustProxy: 0,
  maxPeers: 5000,
  maxConnectionsPerAddress: 64,
  messageRate: 100,
  messageBurst: 1000,
  maxMessageBytes: MAX_WS_MESSAGE_BYTES,
  drainTimeoutMs: 10_000,
  presenceTtlMs: 30_000,
  pingIntervalMs: 10_000,
} as const satisfies Partial<SignalConfig>;

/** Host names and IPv4/IPv6 literals; no scheme, port, path or whitespace. */
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45})$/;
/** A site token: URL-safe (it travels as PeerJS's `key`), long enough not to be guessed casually. */
const SITE_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

function parseLog(value: unknown, threshold: LogThreshold): SignalLog {
  if (value === undefined) return () => {};
  if (typeof value !== 'function') throw new DeployNetError('BAD_CONFIG', 'log must be a function', { field: 'log' });
  return (entry) => {
    if (!levelEnabled(threshold, entry.level)) return;
    try {
      Reflect.apply(value, undefined, [entry]);
    } catch {
      // A logger that throws must never break signaling.
    }
  };
}

function parseSiteTokens(value: unknown): readonly string[] {
  const field = 'siteTokens';
  const tokens = array(value, field, 'BAD_CONFIG', 1000).map((t) => {
    if (typeof t !== 'string' || !SITE_TOKEN.test(t) || t === PEERJS_KEY) {
      // never echo the value: it is a secret
      throw new DeployNetError('BAD_CONFIG', `${field} must be 16 to 128 characters each, letters, digits, - and _ only`, { field });
    }
    return t;
  });
  return [...new Set(tokens)];
}

function parseClock(value: unknown): BucketClock {
  if (value === undefined) return nodeClock;
  if (isRecord(value) && typeof value.now === 'function' && typeof value.sleep === 'function') {
    const { now, sleep } = value;
    return { now: () => Number(Reflect.apply(now, value, [])), sleep: (ms) => Promise.resolve(Reflect.apply(sleep, value, [ms])).then(() => {}) };
  }
  throw new DeployNetError('BAD_CONFIG', 'clock must have now() and sleep(ms)', { field: 'clock' });
}

function parseRedisUrl(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  // Never echo the value: a Redis URL may carry a password.
  const refuse = (): never => {
    throw new DeployNetError('BAD_CONFIG', 'redis must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379', { field: 'redis' });
  };
  if (typeof value !== 'string' || value.length > 2048 || /\s/.test(value) || !URL.canParse(value)) return refuse();
  const url = new URL(value);
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') return refuse();
  return value;
}

/** Validates signal node options and fills in defaults; throws DeployNetError BAD_CONFIG naming the field. */
export function resolveSignalConfig(value: unknown = {}): SignalConfig {
  const code = 'BAD_CONFIG';
  if (!isRecord(value)) throw new DeployNetError(code, 'signal options must be an object');
  const pick = <K extends keyof typeof SIGNAL_CONFIG_DEFAULTS>(field: K): unknown => value[field] ?? SIGNAL_CONFIG_DEFAULTS[field];
  type WholeField = 'port' | 'maxSwarmAnswer' | 'trustProxy' | 'maxPeers' | 'maxConnectionsPerAddress' | 'messageRate' | 'messageBurst' | 'maxMessageBytes' | 'drainTimeoutMs' | 'presenceTtlMs' | 'pingIntervalMs';
  const whole = (field: WholeField, min: number, max: number): number =>
    int(pick(field), field, code, min, max);
  const logLevel = oneOf(pick('logLevel'), 'logLevel', code, LOG_LEVELS);
  return {
    port: whole('port', 0, 65_535),
    host: str(pick('host'), 'host', code, HOST),
    maxSwarmAnswer: whole('maxSwarmAnswer', 0, MAX_SWARM_ANSWER),
    log: parseLog(value.log, logLevel),
    logLevel,
    allowedOrigins: parseAllowedOrigins(pick('allowedOrigins')),
    siteTokens: parseSiteTokens(pick('siteTokens')),
    trustProxy: whole('trustProxy', 0, 10),
    maxPeers: whole('maxPeers', 1, 1_000_000),
    maxConnectionsPerAddress: whole('maxConnectionsPerAddress', 1, 1_000_000),
    messageRate: whole('messageRate', 1, 1_000_000),
    messageBurst: whole('messageBurst', 1, 1_000_000),
    maxMessageBytes: whole('maxMessageBytes', 1024, 1024 * 1024),
    drainTimeoutMs: whole('drainTimeoutMs', 0, 600_000),
    clock: parseClock(value.clock),
    redis: parseRedisUrl(value.redis),
    presenceTtlMs: whole('presenceTtlMs', 1000, 3_600_000),
    pingIntervalMs: whole('pingIntervalMs', 100, 600_000),
  };
}
