/**
 * The `deploynet` bin. The only file that reads process.argv, process.env or exits: it parses the
 * command line (cli-args.ts), runs the library (index.ts) and maps errors to exit codes:
 * 0 ok; 1 bad input or a failed verify (`deploynet: <one sentence>`); 2 a bug (`internal error`).
 */
import { readFileSync } from 'node:fs';
import { DeployNetError, errorMessage } from '../core/errors.js';
import { isRecord } from '../core/validate.js';
import { jsonLineLog, signalOptionsFromCommandLine, startSignalNode } from '../signal/index.js';
import { buildSite, readIceServersFile } from './build-site.js';
import { parseCommandLine, type CliCommand } from './cli-args.js';
import { COMMAND_HELP, GLOBAL_HELP } from './cli-help.js';
import { buildJson, buildSummary, progressPrinter, verifyLines } from './cli-output.js';
import { generateKeyPair } from './keys.js';
import { serveSite } from './serve.js';
import { verifySite } from './verify-site.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`deploynet: ${oneLine(line)}\n`);

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

/** Keeps a server running until SIGINT/SIGTERM, then closes it. */
function runUntilSignal(close: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      close().then(
        () => resolve(0),
        (e: unknown) => {
          err(`error while closing: ${errorMessage(e)}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function run(command: CliCommand): Promise<number> {
  switch (command.type) {
    case 'help':
      out(command.topic ? COMMAND_HELP[command.topic] : GLOBAL_HELP);
      return 0;
    case 'version':
      out(packageVersion());
      return 0;
    case 'keygen': {
      const r = await generateKeyPair(command.out);
      out(`wrote ${r.privateKeyPath} (private, keep it secret) and ${r.publicKeyPath}, key ${r.keyId}`);
      return 0;
    }
    case 'build': {
      const iceServers = command.iceServersFile === undefined ? undefined : await readIceServersFile(command.iceServersFile);
      const progress = process.stderr.isTTY && !command.json ? progressPrinter(process.stderr) : undefined;
      try {
        const r = await buildSite({
          siteDir: command.siteDir,
          keyFile: command.keyFile,
          signal: command.signal,
          inject: command.inject,
          killSwitch: command.killSwitch,
          ...(command.version !== undefined && { version: command.version }),
          ...(command.expires !== undefined && { expires: command.expires }),
          ...(command.uploadRateBytesPerSec !== undefined && { uploadRateBytesPerSec: command.uploadRateBytesPerSec }),
          ...(iceServers !== undefined && { iceServers }),
          ...(command.relayOnly && { iceTransportPolicy: 'relay' as const }),
          ...(command.signalToken !== undefined && { signalToken: command.signalToken }),
          ...(command.region !== undefined && { region: command.region }),
          ...(progress && { onProgress: progress.update }),
        });
        progress?.done();
        out(command.json ? buildJson(r) : buildSummary(r));
        return 0;
      } catch (e) {
        progress?.done();
        throw e;
      }
    }
    case 'verify': {
      const r = await verifySite({ siteDir: command.siteDir, pubFile: command.pubFile });
      if (command.json) out(JSON.stringify({ ok: r.ok, version: r.manifest?.version ?? null, problems: r.problems }));
      else for (const line of verifyLines(r)) out(line);
      if (!r.ok) err(`verify failed: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${command.siteDir}`);
      return r.ok ? 0 : 1;
    }
    case 'signal': {
      // Flags, then DEPLOYNET_SIGNAL_* variables; JSON log lines on stderr (stdout is the URL).
      const options = signalOptionsFromCommandLine(command.flags, process.env);
      const node = await startSignalNode({ ...options, log: jsonLineLog((line) => void process.stderr.write(line)) });
      out(node.url);
      return runUntilSignal(() => node.close()); // SIGTERM/SIGINT: graceful drain, then exit 0
    }
    case 'serve': {
      const site = await serveSite(command);
      out(site.url);
      return runUntilSignal(() => site.close());
    }
  }
}

async function main(): Promise<number> {
  try {
    return await run(parseCommandLine(process.argv.slice(2)));
  } catch (e) {
    if (e instanceof DeployNetError) {
      err(e.code === 'INTERNAL' ? `internal error: ${e.message}` : e.message);
      return e.code === 'INTERNAL' ? 2 : 1;
    }
    err(`internal error: ${errorMessage(e)}`);
    return 2;
  }
}

const code = await main();
process.exitCode = code;
// A server that left a handle open after close() must not keep the process alive.
setTimeout(() => process.exit(code), 2000).unref();
