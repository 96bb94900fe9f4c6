/**
 * Configuration of one signaling node: a readonly interface, its defaults and the one function
 * that validates whatever a caller (the CLI, a build tool, a test) passes in.
 */
import { DeployNetError } from '../core/errors.js';
import { MAX_SWARM_ANSWER } from '../core/swarm.js';
import { int, isRecord, str } from '../core/validate.js';

/** A structured log entry sink; each entry is one JSON-serialisable record. */
export type SignalLog = (entry: Record<string, unknown>) => void;

/** What a caller may pass to startSignalNode; every field is optional. */
export interface SignalOptions {
  /** TCP port; 0 binds any free port (read the real one from SignalNode.port). Default 9000. */
  readonly port?: number;
  /** Interface to bind. Default '127.0.0.1'. */
  readonly host?: string;
  /** Most peers one swarm-join answer names, whatever the page asks for. Default MAX_SWARM_ANSWER. */
  readonly maxSwarmAnswer?: number;
  /** Structured log sink. Default: no logging. */
  readonly log?: SignalLog;
}

export interface SignalConfig {
  readonly port: number;
  readonly host: string;
  readonly maxSwarmAnswer: number;
  readonly log: SignalLog;
}

export const SIGNAL_CONFIG_DEFAULTS = {
  port: 9000,
  host: '127.0.0.1',
  maxSwarmAnswer: MAX_SWARM_ANSWER,
} as const satisfies Partial<SignalConfig>;

/** Host names and IPv4/IPv6 literals; no scheme, port, path or whitespace. */
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45})$/;

function noLog(): void {}

function parseLog(value: unknown): SignalLog {
  if (value === undefined) return noLog;
  if (typeof value !== 'function') throw new DeployNetError('BAD_CONFIG', 'log must be a function', { field: 'log' });
  // A logger that throws must never break signaling.
  return (entry) => {
    try {
      Reflect.apply(value, undefined, [entry]);
    } catch {
      // ignored on purpose
    }
  };
}

/** Validates signal node options and fills in defaults; throws DeployNetError BAD_CONFIG. */
export function resolveSignalConfig(value: unknown = {}): SignalConfig {
  const code = 'BAD_CONFIG';
  if (!isRecord(value)) throw new DeployNetError(code, 'signal options must be an object');
  const pick = (field: 'port' | 'host' | 'maxSwarmAnswer'): unknown => value[field] ?? SIGNAL_CONFIG_DEFAULTS[field];
  return {
    port: int(pick('port'), 'port', code, 0, 65_535),
    host: str(pick('host'), 'host', code, HOST),
    maxSwarmAnswer: int(pick('maxSwarmAnswer'), 'maxSwarmAnswer', code, 0, MAX_SWARM_ANSWER),
    log: parseLog(value.log),
  };
}
