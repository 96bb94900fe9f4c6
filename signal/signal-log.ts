/**
 * Structured logs of the signal node: each entry is one event, `{ level, msg, ...fields }`. The
 * node drops entries below its `logLevel`; `jsonLineLog` is the sink the CLI uses, one JSON object
 * per line with a `time` first. Entries never carry tokens (PeerJS tokens or site tokens): the
 * node does not put them in, and the sink blanks fields named like secrets, at any depth, in case.
 */

/** Thresholds, most verbose first; `silent` drops everything. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogThreshold = (typeof LOG_LEVELS)[number];
export type LogLevel = Exclude<LogThreshold, 'silent'>;

export interface SignalLogEntry {
  readonly level: LogLevel;
  /** What happened, kebab-case: `listening`, `peer-refused`, `draining`. */
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A structured log sink. */
export type SignalLog = (entry: SignalLogEntry) => void;

export function levelEnabled(threshold: LogThreshold, level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

/** Field names whose values never reach a log line. */
const SECRET_FIELDS = new Set(['token', 'key', 'sitetoken', 'sitetokens', 'secret', 'password', 'authorization', 'cookie']);

function replacer(name: string, value: unknown): unknown {
  if (SECRET_FIELDS.has(name.toLowerCase())) return '[redacted]';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return value.message;
  return value;
}

/** A sink that writes `{"time":…,"level":…,"msg":…,…fields}` + newline for each entry. */
export function jsonLineLog(write: (line: string) => void, now: () => Date = () => new Date()): SignalLog {
  return (entry) => {
    const { level, msg, ...fields } = entry;
    const time = now().toISOString();
    let line: string;
    try {
      line = JSON.stringify({ time, level, msg, ...fields }, replacer);
    } catch {
      line = JSON.stringify({ time, level, msg, logError: 'fields could not be serialised' });
    }
    write(`${line}\n`);
  };
}
