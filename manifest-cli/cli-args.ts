/**
 * Parses the `deploynet` command line (node:util parseArgs) into a validated command. Every
 * mistake is a BAD_ARGUMENT with one sentence and a pointer to the command's --help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DeployNetError } from '../core/errors.js';
import { isValidChunkSize } from '../core/chunks.js';
import { MAX_UPLOAD_RATE, SIGNAL_TOKEN, type FirstVisitMode } from '../core/site-config.js';
import { REGION } from '../core/swarm.js';
import { SIGNAL_FLAGS } from '../signal/signal-settings.js';
import { SW_MODES, type SwMode } from './build-site.js';
import { COMMANDS, type CommandName } from './cli-help.js';

/** What every command but help and version takes: `--config FILE` and `--json`. */
interface Common {
  /** `--config FILE`; absent: deploynet.config.json in the current directory, if there is one. */
  readonly config?: string;
  /** `--json`: the result as one JSON line on stdout. */
  readonly json: boolean;
}

/**
 * Values absent here were not on the command line: the project file (project-config.ts) or the
 * command's default applies.
 */
export type CliCommand =
  | { readonly type: 'help'; readonly topic?: CommandName }
  | { readonly type: 'version' }
  | (Common & { readonly type: 'init'; readonly siteDir?: string; readonly signal?: string; readonly out?: string; readonly force: boolean })
  | (Common & { readonly type: 'keygen'; readonly out?: string })
  | (Common & {
      readonly type: 'build';
      readonly siteDir?: string;
      readonly keyFile?: string;
      readonly signal?: string;
      readonly version?: number;
      readonly expires?: string;
      /** true when given; absent leaves it to the project file (default off). */
      readonly inject?: true;
      readonly killSwitch: boolean;
      /** Bytes per second per visitor; absent: the config default (unlimited). */
      readonly uploadRateBytesPerSec?: number;
      /** A JSON file with an array of RTCIceServer objects, read by the bin. */
      readonly iceServersFile?: string;
      /** true when given (iceTransportPolicy relay). */
      readonly relayOnly?: true;
      /** The signal node's site token (its --site-tokens), written into the page script. */
      readonly signalToken?: string;
      /** A region hint the page sends when it joins a swarm (peers of the same region first). */
      readonly region?: string;
      readonly chunkSize?: number;
      readonly firstVisit?: FirstVisitMode;
      readonly swMode?: SwMode;
    })
  | (Common & { readonly type: 'verify'; readonly siteDir?: string; readonly pubFile?: string })
  /** The signal flags as given; signalOptionsFromCommandLine (signal/) reads them with the environment. */
  | (Common & { readonly type: 'signal'; readonly flags: Readonly<Record<string, string | boolean | undefined>> })
  | (Common & {
      readonly type: 'serve';
      readonly siteDir?: string;
      readonly port: number;
      readonly host: string;
      readonly latencyMs: number;
      readonly rateBytesPerSec: number;
    });

type Options = NonNullable<ParseArgsConfig['options']>;

const help = { help: { type: 'boolean', short: 'h' }, config: { type: 'string' }, json: { type: 'boolean' } } as const satisfies Options;
const OPTIONS = {
  init: { ...help, site: { type: 'string' }, signal: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
  keygen: { ...help, out: { type: 'string' } },
  build: {
    ...help,
    'chunk-size': { type: 'string' },
    'first-visit': { type: 'string' },
    'sw-mode': { type: 'string' },
    key: { type: 'string' },
    signal: { type: 'string' },
    version: { type: 'string' },
    expires: { type: 'string' },
    inject: { type: 'boolean' },
    'kill-switch': { type: 'boolean' },
    'upload-rate': { type: 'string' },
    'ice-servers': { type: 'string' },
    'relay-only': { type: 'boolean' },
    'signal-token': { type: 'string' },
    region: { type: 'string' },
  },
  verify: { ...help, pub: { type: 'string' } },
  signal: { ...help, ...SIGNAL_FLAGS },
  serve: { ...help, port: { type: 'string' }, host: { type: 'string' }, latency: { type: 'string' }, rate: { type: 'string' } },
} as const satisfies Record<CommandName, Options>;

export function bad(command: CommandName | undefined, sentence: string): DeployNetError {
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

function atMostOne(command: CommandName, positionals: string[]): string | undefined {
  if (positionals.length > 1) throw bad(command, `unexpected argument ${JSON.stringify(positionals[1])}`);
  return positionals[0];
}

function nonEmpty(command: CommandName, flag: string, value: string | undefined, what = 'FILE'): string | undefined {
  if (value === '') throw bad(command, `--${flag} needs a ${what}`);
  return value;
}

/** --config and --json, which every command but help and version takes. */
function common(values: { config?: string | undefined; json?: boolean | undefined }, command: CommandName): { config?: string; json: boolean } {
  const config = nonEmpty(command, 'config', values.config);
  return { ...(config !== undefined && { config }), json: values.json ?? false };
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
    case 'init': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.init);
      if (values.help) return { type: 'help', topic: first };
      if (positionals.length > 0) throw bad(first, `unexpected argument ${JSON.stringify(positionals[0])} (use --site DIR)`);
      const siteDir = nonEmpty(first, 'site', values.site, 'DIR');
      const out = nonEmpty(first, 'out', values.out, 'DIR');
      const signal = nonEmpty(first, 'signal', values.signal, 'URL');
      return {
        type: 'init',
        ...common(values, first),
        ...(siteDir !== undefined && { siteDir }),
        ...(signal !== undefined && { signal }),
        ...(out !== undefined && { out }),
        force: values.force ?? false,
      };
    }
    case 'keygen': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.keygen);
      if (values.help) return { type: 'help', topic: first };
      if (positionals.length > 0) throw bad(first, `unexpected argument ${JSON.stringify(positionals[0])} (use --out DIR)`);
      const out = nonEmpty(first, 'out', values.out, 'DIR');
      return { type: 'keygen', ...common(values, first), ...(out !== undefined && { out }) };
    }
    case 'build': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.build);
      if (values.help) return { type: 'help', topic: first };
      const siteDir = atMostOne(first, positionals);
      const version = values.version === undefined ? undefined : wholeNumber(first, 'version', values.version, 0, 1, Number.MAX_SAFE_INTEGER);
      const uploadRate = values['upload-rate'] === undefined ? undefined : wholeNumber(first, 'upload-rate', values['upload-rate'], 0, 0, MAX_UPLOAD_RATE);
      const chunkSize = values['chunk-size'] === undefined ? undefined : wholeNumber(first, 'chunk-size', values['chunk-size'], 0, 1, Number.MAX_SAFE_INTEGER);
      if (chunkSize !== undefined && !isValidChunkSize(chunkSize)) throw bad(first, `--chunk-size must be a power of two from 16384 (16 KiB) to 4194304 (4 MiB), not ${chunkSize}`);
      const firstVisit = values['first-visit'];
      if (firstVisit !== undefined && firstVisit !== 'reload' && firstVisit !== 'none') throw bad(first, `--first-visit must be reload or none, not ${JSON.stringify(firstVisit)}`);
      const swModeText = values['sw-mode'];
      const swMode = SW_MODES.find((m) => m === swModeText);
      if (swModeText !== undefined && swMode === undefined) throw bad(first, `--sw-mode must be ${SW_MODES.join(' or ')}, not ${JSON.stringify(swModeText)}`);
      const iceServersFile = nonEmpty(first, 'ice-servers', values['ice-servers']);
      const keyFile = nonEmpty(first, 'key', values.key);
      const signalToken = values['signal-token'];
      if (signalToken !== undefined && !SIGNAL_TOKEN.test(signalToken)) throw bad(first, '--signal-token must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -');
      const region = values.region;
      if (region !== undefined && !REGION.test(region)) throw bad(first, '--region must be 1 to 32 characters of a-z, 0-9 and -, e.g. eu-west');
      return {
        type: 'build',
        ...common(values, first),
        ...(siteDir !== undefined && { siteDir }),
        ...(keyFile !== undefined && { keyFile }),
        ...(values.signal !== undefined && { signal: values.signal }),
        ...(version !== undefined && { version }),
        ...(values.expires !== undefined && { expires: values.expires }),
        ...(values.inject === true && { inject: true }),
        killSwitch: values['kill-switch'] ?? false,
        ...(uploadRate !== undefined && { uploadRateBytesPerSec: uploadRate }),
        ...(iceServersFile !== undefined && { iceServersFile }),
        ...(values['relay-only'] === true && { relayOnly: true }),
        ...(signalToken !== undefined && { signalToken }),
        ...(region !== undefined && { region }),
        ...(chunkSize !== undefined && { chunkSize }),
        ...(firstVisit !== undefined && { firstVisit }),
        ...(swMode !== undefined && { swMode }),
      };
    }
    case 'verify': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.verify);
      if (values.help) return { type: 'help', topic: first };
      const siteDir = atMostOne(first, positionals);
      const pubFile = nonEmpty(first, 'pub', values.pub);
      return { type: 'verify', ...common(values, first), ...(siteDir !== undefined && { siteDir }), ...(pubFile !== undefined && { pubFile }) };
    }
    case 'signal': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.signal);
      if (values.help) return { type: 'help', topic: first };
      if (positionals.length > 0) throw bad(first, `unexpected argument ${JSON.stringify(positionals[0])}`);
      const { help: _help, config: _config, json: _json, ...flags } = values;
      return { type: 'signal', ...common(values, first), flags };
    }
    case 'serve': {
      const { values, positionals } = parseCommand(first, rest, OPTIONS.serve);
      if (values.help) return { type: 'help', topic: first };
      const siteDir = atMostOne(first, positionals);
      return {
        type: 'serve',
        ...common(values, first),
        ...(siteDir !== undefined && { siteDir }),
        port: wholeNumber(first, 'port', values.port, 8080, 0, 65535),
        host: values.host ?? '127.0.0.1',
        latencyMs: wholeNumber(first, 'latency', values.latency, 0, 0, 600_000),
        rateBytesPerSec: wholeNumber(first, 'rate', values.rate, 0, 0, Number.MAX_SAFE_INTEGER),
      };
    }
  }
}

/** Whether a command line asked for --json (for the error report of a line that failed to parse). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}
