/**
 * `deploynet signal`'s flags and DEPLOYNET_SIGNAL_* environment variables, in one table. A flag
 * wins over its variable, which wins over the default; the variable's name is the flag's, upper
 * case, `-` → `_`, after the prefix (`--message-rate` ↔ DEPLOYNET_SIGNAL_MESSAGE_RATE). An empty
 * variable counts as unset; an unknown DEPLOYNET_SIGNAL_* variable is an error (a typo would
 * otherwise pass silently).
 *
 * Text becomes typed options here; ranges and formats are checked by resolveSignalConfig, the one
 * validator, and its error is reworded to name the flag or variable the bad value came from. Only
 * entry files read argv and env: the CLI passes them in.
 */
import { DeployNetError, isDeployNetError } from '../core/errors.js';
import { type SignalOptions, resolveSignalConfig } from './signal-config.js';

type Kind = 'number' | 'text' | 'list' | 'origins';

interface Setting {
  readonly field: keyof SignalOptions;
  readonly flag: string;
  readonly kind: Kind;
}

const SETTINGS: readonly Setting[] = [
  { field: 'port', flag: 'port', kind: 'number' },
  { field: 'host', flag: 'host', kind: 'text' },
  { field: 'allowedOrigins', flag: 'allowed-origins', kind: 'origins' },
  { field: 'siteTokens', flag: 'site-tokens', kind: 'list' },
  { field: 'trustProxy', flag: 'trust-proxy', kind: 'number' },
  { field: 'maxPeers', flag: 'max-peers', kind: 'number' },
  { field: 'maxConnectionsPerAddress', flag: 'max-connections-per-address', kind: 'number' },
  { field: 'messageRate', flag: 'message-rate', kind: 'number' },
  { field: 'messageBurst', flag: 'message-burst', kind: 'number' },
  { field: 'maxMessageBytes', flag: 'max-message-bytes', kind: 'number' },
  { field: 'maxSwarmAnswer', flag: 'max-swarm-answer', kind: 'number' },
  { field: 'drainTimeoutMs', flag: 'drain-timeout', kind: 'number' },
  { field: 'logLevel', flag: 'log-level', kind: 'text' },
  { field: 'redis', flag: 'redis', kind: 'text' },
  { field: 'presenceTtlMs', flag: 'presence-ttl', kind: 'number' },
  { field: 'pingIntervalMs', flag: 'ping-interval', kind: 'number' },
];

export const SIGNAL_ENV_PREFIX = 'DEPLOYNET_SIGNAL_';

export function signalEnvName(flag: string): string {
  return `${SIGNAL_ENV_PREFIX}${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** node:util parseArgs definitions of the signal command's flags (all take a value). */
export const SIGNAL_FLAGS: Readonly<Record<string, { readonly type: 'string' }>> = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' }]));

function bad(sentence: string): DeployNetError {
  return new DeployNetError('BAD_ARGUMENT', sentence);
}

function parseText(setting: Setting, source: string, text: string): unknown {
  switch (setting.kind) {
    case 'text':
      return text;
    case 'number': {
      if (!/^[0-9]{1,16}$/.test(text)) throw bad(`${source} must be a whole number, not ${JSON.stringify(text)}`);
      return Number(text);
    }
    case 'origins':
      if (text.trim() === '*') return '*';
      return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'list':
      return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
}

/**
 * The options `deploynet signal` starts a node with, from its parsed flags (`--name value`, as
 * node:util parseArgs returns them) and the environment. Throws BAD_ARGUMENT with one sentence.
 */
export function signalOptionsFromCommandLine(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): SignalOptions {
  const known = new Set(SETTINGS.map((s) => signalEnvName(s.flag)));
  const unknown = Object.keys(env).find((name) => name.startsWith(SIGNAL_ENV_PREFIX) && !known.has(name));
  if (unknown !== undefined) throw bad(`${unknown} is not a setting of deploynet signal (see deploynet signal --help)`);

  const options: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const setting of SETTINGS) {
    const flagValue = flags[setting.flag];
    const envName = signalEnvName(setting.flag);
    const envValue = env[envName];
    let source: string;
    let text: string;
    if (flagValue !== undefined) {
      if (typeof flagValue !== 'string' || flagValue === '') throw bad(`--${setting.flag} needs a value`);
      [source, text] = [`--${setting.flag}`, flagValue];
    } else if (envValue !== undefined && envValue !== '') {
      [source, text] = [envName, envValue];
    } else {
      continue;
    }
    options[setting.field] = parseText(setting, source, text);
    sources.set(setting.field, source);
  }

  try {
    resolveSignalConfig(options);
  } catch (e) {
    const field = isDeployNetError(e, 'BAD_CONFIG') && typeof e.details.field === 'string' ? e.details.field : undefined;
    const source = field === undefined ? undefined : sources.get(field);
    if (!isDeployNetError(e) || field === undefined || source === undefined) throw e;
    throw bad(e.message.startsWith(field) ? `${source}${e.message.slice(field.length)}` : `${source}: ${e.message}`);
  }
  return options;
}
