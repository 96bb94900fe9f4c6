/**
 * Parses the `deploynet` command line (node:util parseArgs) into a validated command. Every
 * mistake is a BAD_ARGUMENT with one sentence and a pointer to the command's --help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DeployNetError } from '../core/errors.js';
import { MAX_UPLOAD_RATE, SIGNAL_TOKEN } from '../core/site-config.js';
import { REGION } from '../core/swarm.js';
import { SIGNAL_FLAGS } from '../signal/signal-settings.js';
import { COMMANDS, type CommandName } from './cli-help.js';

export type CliCommand =
  | { readonly type: 'help'; readonly topic?: CommandName }
  | { readonly type: 'version' }
  | { readonly type: 'keygen'; readonly out: string }
  | {
      readonly type: 'build';
      readonly siteDir: string;
      readonly keyFile: string;
      readonly signal: string | null;
      readonly version?: number;
      readonly expires?: string;
      readonly inject: boolean;
      readonly killSwitch: boolean;
      readonly json: boolean;
      /** Bytes per second per visitor; absent: the config default (unlimited). */
      readonly uploadRateBytesPerSec?: number;
      /** A JSON file with an array of RTCIceServer objects, read by the bin. */
      readonly iceServersFile?: string;
      readonly relayOnly: boolean;
      /** The signal node's site token (its --site-tokens), written into the page script. */
      readonly signalToken?: string;
      /** A region hint the page sends when it joins a swarm (peers of the same region first). */
      readonly region?: string;
    }
  | { readonly type: 'verify'; readonly siteDir: string; readonly pubFile: string; readonly json: boolean }
  /** The signal flags as given; signalOptionsFromCommandLine (signal/) reads them with the environment. */
  | { readonly type: 'signal'; readonly flags: Readonly<Record<string, string | boolean | undefined>> }
  | { readonly type: 'serve'; readonly siteDir: string; readonly port: number; readonly host: string; readonly latencyMs: number; readonly rateBytesPerSec: number };

type Options = NonNullable<ParseArgsConfig['options']>;

const help = { help: { type: 'boolean', short: 'h' } } as const satisfies Options;
const OPTIONS = {
  keygen: { ...help, out: { type: 'string' } },
  build: {
    ...help,
    key: { type: 'string' },
    signal: { type: 'string' },
    version: { type: 'string' },
    expires: { type: 'string' },
    inject: { type: 'boolean' },
    'kill-switch': { type: 'boolean' },
    json: { type: 'boolean' },
    'upload-rate': { type: 'string' },
    'ice-servers': { type: 'string' },
    'relay-only': { type: 'boolean' },
    'signal-token': { type: 'string' },
    region: { type: 'string' },
  },
  verify: { ...help, pub: { type: 'string' }, json: { type: 'boolean' } },
  signal: { ...help, ...SIGNAL_FLAGS },
  serve: { ...help, port: { type: 'string' }, host: { type: 'string' }, latency: { type: 'string' }, rate: { type: 'string' } },
} as const satisfies Record<CommandName, Options>;

function bad(command: CommandName | undefined, sentence: string): DeployNetError {
  const hint = command ? `deploynet ${command} --help` : 'deploynet --help';
  return new DeployNetError('BAD_ARGUMENT', `${sentence}; run \`${hint}\` for usage`);
}

function wholeNumber(command: CommandName, flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(command, `--${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

function parseCommand<O extends Options>(command: CommandName, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
    const name = err instanceof Error ? (/'([^']+)'/.exec(err.message)?.[1] ?? '') : '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw bad(command, `unknown option ${name}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw bad(command, `option ${name.split(' ')[0]} needs a value`);
    throw bad(command, err instanceof Error ? err.message.split('\n')[0]!.replace(/\.$/, '') : 'cannot parse the arguments');
  }
}

function onePositional(command: CommandName, positionals: string[], what: string): string {
  if (positionals.length === 0) throw bad(command, `${what} is missing`);
  if (positionals.length > 1) throw bad(command, `unexpected argument ${JSON.stringify(positionals[1])}`);
  return positionals[0]!;
}

function required(command: CommandName, value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw bad(command, `--${flag} FILE is required`);
  return value;
}

function isCommand(name: string | undefined): name is CommandName {
  return COMMANDS.some((c) => c === name);
}

/** argv without the node binary and script: `['build', 'site', '--key', 'k']`. */
export function parseCommandLine(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { type: 'help' };
  if (first === '--version' || first === '-v') return { type: 'version' };
  if (first === 'help') return isCommand(rest[0]) ? { type: 'help', topic: rest[0] } : { type: 'help' };
  if (!isCommand(first)) {
    throw bad(undefined, first.startsWith('-') ? `unknown option ${first}` : `unknown command ${JSON.stringify(first)} (commands: ${COMMANDS.join(', ')})`);
  }
  switch (first) {
    case 'keygen': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.keygen);
      if (values.help) return { type: 'help', topic: first };
      if (positionals.length > 0) throw bad(first, `unexpected argument ${JSON.stringify(positionals[0])} (use --out DIR)`);
      return { type: 'keygen', out: values.out ?? '.' };
    }
    case 'build': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.build);
      if (values.help) return { type: 'help', topic: first };
      const siteDir = onePositional(first, positionals, 'SITE_DIR');
      const version = values.version === undefined ? undefined : wholeNumber(first, 'version', values.version, 0, 1, Number.MAX_SAFE_INTEGER);
      const uploadRate = values['upload-rate'] === undefined ? undefined : wholeNumber(first, 'upload-rate', values['upload-rate'], 0, 0, MAX_UPLOAD_RATE);
      const iceServersFile = values['ice-servers'];
      if (iceServersFile === '') throw bad(first, '--ice-servers needs a FILE');
      const relayOnly = values['relay-only'] ?? false;
      if (relayOnly && iceServersFile === undefined) throw bad(first, '--relay-only needs --ice-servers FILE listing your own TURN server, or no peer could ever connect');
      const signalToken = values['signal-token'];
      if (signalToken !== undefined && !SIGNAL_TOKEN.test(signalToken)) throw bad(first, '--signal-token must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -');
      if (signalToken !== undefined && values.signal === undefined) throw bad(first, '--signal-token needs --signal URL (the node that checks it)');
      const region = values.region;
      if (region !== undefined && !REGION.test(region)) throw bad(first, '--region must be 1 to 32 characters of a-z, 0-9 and -, e.g. eu-west');
      return {
        type: 'build',
        siteDir,
        keyFile: required(first, values.key, 'key'),
        signal: values.signal ?? null,
        ...(version !== undefined && { version }),
        ...(values.expires !== undefined && { expires: values.expires }),
        inject: values.inject ?? false,
        killSwitch: values['kill-switch'] ?? false,
        json: values.json ?? false,
        ...(uploadRate !== undefined && { uploadRateBytesPerSec: uploadRate }),
        ...(iceServersFile !== undefined && { iceServersFile }),
        relayOnly,
        ...(signalToken !== undefined && { signalToken }),
        ...(region !== undefined && { region }),
      };
    }
    case 'verify': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.verify);
      if (values.help) return { type: 'help', topic: first };
      const siteDir = onePositional(first, positionals, 'SITE_DIR');
      return { type: 'verify', siteDir, pubFile: required(first, values.pub, 'pub'), json: values.json ?? false };
    }
    case 'signal': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.signal);
      if (values.help) return { type: 'help', topic: first };
      if (positionals.length > 0) throw bad(first, `unexpected argument ${JSON.stringify(positionals[0])}`);
      const { help: _help, ...flags } = values;
      return { type: 'signal', flags };
    }
    case 'serve': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.serve);
      if (values.help) return { type: 'help', topic: first };
      return {
        type: 'serve',
        siteDir: onePositional(first, positionals, 'SITE_DIR'),
        port: wholeNumber(first, 'port', values.port, 8080, 0, 65535),
        host: values.host ?? '127.0.0.1',
        latencyMs: wholeNumber(first, 'latency', values.latency, 0, 0, 600_000),
        rateBytesPerSec: wholeNumber(first, 'rate', values.rate, 0, 0, Number.MAX_SAFE_INTEGER),
      };
    }
  }
}
