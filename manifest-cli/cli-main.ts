/**
 * The `deploynet` command line as a function: argv, streams, environment and the library in; an
 * exit code out. cli.ts (the bin) passes the real process; tests pass captures and, to provoke an
 * internal error, a failing dependency.
 *
 * Exit codes: 0 ok; 1 a user error (bad arguments, a bad config file, bad input, a failed verify),
 * one `deploynet: <sentence>` line on stderr; 2 an internal error (a bug), one line asking for a
 * report, and the stack trace only with DEBUG=deploynet.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DeployNetError, errorMessage } from '../core/errors.js';
import { hasTurnServer } from '../core/site-config.js';
import { isRecord } from '../core/validate.js';
import { jsonLineLog, signalOptionsFromCommandLine, startSignalNode } from '../signal/index.js';
import { buildSite, readIceServersFile } from './build-site.js';
import { bad, parseCommandLine, wantsJson, type CliCommand } from './cli-args.js';
import { COMMAND_HELP, GLOBAL_HELP } from './cli-help.js';
import { buildJson, buildSummary, errorJson, initJson, initLines, keygenJson, keygenLine, listeningLine, progressPrinter, verifyJson, verifyLines, type OutStream } from './cli-output.js';
import { initProject } from './init.js';
import { generateKeyPair } from './keys.js';
import { buildSiteOptionsFromConfig } from './project-build-options.js';
import { configLabel, PROJECT_CONFIG_FILE, readProjectConfig, type ProjectConfig } from './project-config.js';
import { serveSite } from './serve.js';
import { verifySite } from './verify-site.js';

export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the default config file is looked for, and relative paths on the command line start. */
  readonly cwd: string;
  /** Resolves when a running server is asked to stop (the bin: SIGINT or SIGTERM). */
  readonly stopped: () => Promise<void>;
}

/** The library functions the commands run; a test can replace one. */
export interface CliDeps {
  readonly initProject: typeof initProject;
  readonly generateKeyPair: typeof generateKeyPair;
  readonly buildSite: typeof buildSite;
  readonly verifySite: typeof verifySite;
  readonly startSignalNode: typeof startSignalNode;
  readonly serveSite: typeof serveSite;
}

export const CLI_DEPS: CliDeps = { initProject, generateKeyPair, buildSite, verifySite, startSignalNode, serveSite };

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    if (isRecord(pkg) && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}

/** DEBUG=deploynet (or a list naming it, or *) turns on stack traces, as the `debug` package reads it. */
export function debugEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return (env.DEBUG ?? '').split(/[\s,]+/).some((name) => name === '*' || name === 'deploynet' || name === 'deploynet:*');
}

/** Prints an error the way the exit code says (see the file comment) and returns that code. */
export function reportError(e: unknown, io: Pick<CliIo, 'stdout' | 'stderr' | 'env'>, json: boolean): number {
  const internal = !(e instanceof DeployNetError) || e.code === 'INTERNAL';
  const message = oneLine(errorMessage(e)) || 'unknown error';
  if (json) io.stdout.write(`${errorJson(e instanceof DeployNetError ? e : { code: 'INTERNAL', message })}\n`);
  if (internal) {
    io.stderr.write(`deploynet: internal error: ${message} (a bug in DeployNet; please report it, with the output of the same command run with DEBUG=deploynet)\n`);
  } else {
    io.stderr.write(`deploynet: ${message}\n`);
  }
  if (debugEnabled(io.env) && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return internal ? 2 : 1;
}

class Session {
  constructor(
    private readonly io: CliIo,
    private readonly deps: CliDeps,
  ) {}

  private out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  private at(path: string): string {
    return resolve(this.io.cwd, path);
  }

  private config(command: { readonly config?: string }): Promise<ProjectConfig | null> {
    return readProjectConfig(command.config === undefined ? undefined : this.at(command.config), { cwd: this.io.cwd });
  }

  /** A flag's path, else the config's (already absolute), else a BAD_ARGUMENT naming both. */
  private need(command: 'build' | 'verify' | 'serve', flag: string | undefined, fromConfig: string | undefined, missing: string, field: string): string {
    if (flag !== undefined) return this.at(flag);
    if (fromConfig !== undefined) return fromConfig;
    throw bad(command, `${missing} (or set "${field}" in ${PROJECT_CONFIG_FILE})`);
  }

  async run(command: CliCommand): Promise<number> {
    switch (command.type) {
      case 'help':
        this.out(command.topic ? COMMAND_HELP[command.topic] : GLOBAL_HELP);
        return 0;
      case 'version':
        this.out(packageVersion());
        return 0;
      case 'init': {
        const r = await this.deps.initProject({
          dir: this.io.cwd,
          ...(command.config !== undefined && { configFile: this.at(command.config) }),
          ...(command.out !== undefined && { keyDir: this.at(command.out) }),
          ...(command.siteDir !== undefined && { siteDir: this.at(command.siteDir) }),
          ...(command.signal !== undefined && { signal: command.signal }),
          force: command.force,
        });
        if (command.json) this.out(initJson(r));
        else for (const line of initLines(r, this.io.stdout.isTTY === true)) this.out(line);
        return 0;
      }
      case 'keygen': {
        const config = await this.config(command);
        const out = command.out !== undefined ? this.at(command.out) : config?.keyFile !== undefined ? dirname(config.keyFile) : this.io.cwd;
        const r = await this.deps.generateKeyPair(out);
        this.out(command.json ? keygenJson(r) : keygenLine(r));
        return 0;
      }
      case 'build':
        return this.build(command);
      case 'verify': {
        const config = await this.config(command);
        const siteDir = this.need('verify', command.siteDir, config?.siteDir, 'SITE_DIR is missing', 'siteDir');
        const pubFile = this.need('verify', command.pubFile, config?.pubFile, '--pub FILE is required', 'pubFile');
        const r = await this.deps.verifySite({ siteDir, pubFile });
        if (command.json) this.out(verifyJson(r));
        else for (const line of verifyLines(r)) this.out(line);
        if (!r.ok) this.io.stderr.write(`deploynet: verify failed: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${siteDir}\n`);
        return r.ok ? 0 : 1;
      }
      case 'signal': {
        // Flags, then DEPLOYNET_SIGNAL_* variables, then the config's signalNode; JSON log lines
        // on stderr (stdout is the URL).
        const config = await this.config(command);
        const options = { ...config?.signalNode, ...signalOptionsFromCommandLine(command.flags, this.io.env) };
        const node = await this.deps.startSignalNode({ ...options, log: jsonLineLog((line) => void this.io.stderr.write(line)) });
        const stopped = this.io.stopped(); // listening for the stop before anyone can see the URL
        this.out(listeningLine(node.url, command.json));
        return this.untilStopped(stopped, () => node.close()); // graceful drain, then exit 0
      }
      case 'serve': {
        const config = await this.config(command);
        const siteDir = this.need('serve', command.siteDir, config?.siteDir, 'SITE_DIR is missing', 'siteDir');
        const site = await this.deps.serveSite({ siteDir, port: command.port, host: command.host, latencyMs: command.latencyMs, rateBytesPerSec: command.rateBytesPerSec });
        const stopped = this.io.stopped();
        this.out(listeningLine(site.url, command.json, { siteDir }));
        return this.untilStopped(stopped, () => site.close());
      }
    }
  }

  private async build(command: Extract<CliCommand, { type: 'build' }>): Promise<number> {
    const config = await this.config(command);
    const siteDir = this.need('build', command.siteDir, config?.siteDir, 'SITE_DIR is missing', 'siteDir');
    const keyFile = this.need('build', command.keyFile, config?.keyFile, '--key FILE is required', 'keyFile');
    const iceServers = command.iceServersFile === undefined ? undefined : await readIceServersFile(this.at(command.iceServersFile));
    if (command.relayOnly && iceServers === undefined && (config?.iceServers ?? []).length === 0) {
      throw bad('build', '--relay-only needs --ice-servers FILE listing your own TURN server, or no peer could ever connect');
    }
    const signal = command.signal ?? config?.signal ?? null;
    if (command.signalToken !== undefined && signal === null) throw bad('build', '--signal-token needs --signal URL (the node that checks it)');
    if (config?.signalToken && signal === null) {
      throw new DeployNetError('BAD_CONFIG', `${configLabel(config.file, this.io.cwd)}: "signalToken" needs a signal node; set "signal" (or pass --signal URL)`, { field: 'signalToken' });
    }
    if (config?.iceTransportPolicy === 'relay' && !command.relayOnly && !hasTurnServer(iceServers ?? config.iceServers ?? [])) {
      const label = configLabel(config.file, this.io.cwd);
      throw new DeployNetError('BAD_CONFIG', `${label}: "iceTransportPolicy" "relay" needs your own TURN server (a turn: or turns: URL) in "iceServers" or --ice-servers FILE, or no peer could ever connect`, { field: 'iceTransportPolicy' });
    }
    const progress = this.io.stderr.isTTY === true && !command.json ? progressPrinter(this.io.stderr) : undefined;
    const options = buildSiteOptionsFromConfig(config, {
      siteDir,
      keyFile,
      signal: command.signal,
      version: command.version,
      expires: command.expires,
      inject: command.inject,
      killSwitch: command.killSwitch,
      uploadRateBytesPerSec: command.uploadRateBytesPerSec,
      iceServers,
      iceTransportPolicy: command.relayOnly ? 'relay' : undefined,
      signalToken: command.signalToken,
      region: command.region,
      chunkSize: command.chunkSize,
      firstVisit: command.firstVisit,
      swMode: command.swMode,
      onProgress: progress?.update,
    });
    try {
      const r = await this.deps.buildSite(options);
      progress?.done();
      this.out(command.json ? buildJson(r) : buildSummary(r));
      return 0;
    } catch (e) {
      progress?.done();
      throw e;
    }
  }

  /** Keeps a server running until the process is asked to stop, then closes it. */
  private async untilStopped(stopped: Promise<void>, close: () => Promise<void>): Promise<number> {
    await stopped;
    try {
      await close();
      return 0;
    } catch (e) {
      this.io.stderr.write(`deploynet: error while closing: ${oneLine(errorMessage(e))}\n`);
      return 1;
    }
  }
}

/** Runs one `deploynet` command line (argv without node and the script) and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = CLI_DEPS): Promise<number> {
  try {
    return await new Session(io, deps).run(parseCommandLine(argv));
  } catch (e) {
    return reportError(e, io, wantsJson(argv));
  }
}
