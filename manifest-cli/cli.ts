/**
 * The `deploynet` bin. The only file that touches process.argv, process.env, the signals and the
 * exit: it hands the real process to runCli (cli-main.ts), which parses the command line, runs the
 * library and maps errors to exit codes: 0 ok; 1 a user error (`deploynet: <one sentence>`);
 * 2 an internal error (one line; DEBUG=deploynet adds the stack trace).
 */
import { reportError, runCli, type CliIo } from './cli-main.js';

/** Resolves on the first SIGINT or SIGTERM. */
function stopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stopped };
const argv = process.argv.slice(2);

// A failure outside any command's await (e.g. in a running server's handler) is a bug: exit 2.
const crash = (e: unknown): void => {
  process.exitCode = reportError(e, io, false);
  process.exit();
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

const code = await runCli(argv, io);
process.exitCode = code;
// A server that left a handle open after close() must not keep the process alive.
setTimeout(() => process.exit(code), 2000).unref();
