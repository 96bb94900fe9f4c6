/**
 * runCli in-process, with captured streams: what needs a terminal (progress, next steps) or a
 * failing dependency (exit code 2) to show. The spawned bin is tested in cli.test.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSite } from './build-site.js';
import { CLI_DEPS, debugEnabled, runCli, type CliDeps, type CliIo } from './cli-main.js';
import { cleanup, fixture, tempDir } from './site.test-kit.js';

afterEach(cleanup);

interface Capture {
  text: string;
  readonly isTTY: boolean;
  write(chunk: string): boolean;
}

function capture(isTTY: boolean): Capture {
  return {
    text: '',
    isTTY,
    write(chunk) {
      this.text += chunk;
      return true;
    },
  };
}

interface Session {
  readonly io: CliIo;
  readonly stdout: Capture;
  readonly stderr: Capture;
  /** Ends a running server, as SIGTERM does in the bin. */
  stop(): void;
}

function session(cwd: string, options: { tty?: boolean; env?: Record<string, string> } = {}): Session {
  const stdout = capture(options.tty ?? false);
  const stderr = capture(options.tty ?? false);
  let stop = (): void => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  return { io: { stdout, stderr, env: options.env ?? {}, cwd, stopped: () => stopped }, stdout, stderr, stop: () => stop() };
}

/** The real library, with build's runtime templates from the fixture (no `npm run build` needed). */
function depsWith(runtimeDir: string, change: Partial<CliDeps> = {}): CliDeps {
  return { ...CLI_DEPS, buildSite: (o) => buildSite({ ...o, runtimeDir }), ...change };
}

describe('runCli', () => {
  it('an unexpected exception is exit 2: one line asking for a report, the stack only with DEBUG=deploynet', async () => {
    const f = await fixture();
    const broken = depsWith(f.runtimeDir, {
      buildSite: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'files')");
      },
    });
    const args = ['build', f.siteDir, '--key', f.keys.privateKeyPath];
    const plain = session(f.root);
    expect(await runCli(args, plain.io, broken)).toBe(2);
    expect(plain.stderr.text).toBe(
      "deploynet: internal error: Cannot read properties of undefined (reading 'files') (a bug in DeployNet; please report it, with the output of the same command run with DEBUG=deploynet)\n",
    );
    expect(plain.stdout.text).toBe('');

    const debug = session(f.root, { env: { DEBUG: 'express,deploynet' } });
    expect(await runCli(args, debug.io, broken)).toBe(2);
    expect(debug.stderr.text).toMatch(/^deploynet: internal error: .*\nTypeError: Cannot read properties.*\n\s+at /);

    const json = session(f.root);
    expect(await runCli([...args, '--json'], json.io, broken)).toBe(2);
    expect(JSON.parse(json.stdout.text)).toEqual({ ok: false, error: { code: 'INTERNAL', message: "Cannot read properties of undefined (reading 'files')" } });
  });

  it('a user error with --json is also a JSON line on stdout, exit 1', async () => {
    const f = await fixture();
    const s = session(f.root);
    expect(await runCli(['verify', f.siteDir, '--pub', join(f.root, 'nope.pub'), '--json'], s.io)).toBe(1);
    expect(JSON.parse(s.stdout.text)).toMatchObject({ ok: false, error: { code: 'KEY_UNREADABLE', message: expect.stringMatching(/nope\.pub: it does not exist$/) } });
    expect(s.stderr.text).toMatch(/^deploynet: cannot read the key file .*nope\.pub: it does not exist\n$/);
  });

  it('on a terminal: hashing progress on stderr, and init prints next steps; piped: results only', async () => {
    const f = await fixture();
    const tty = session(f.root, { tty: true });
    expect(await runCli(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--version', '5'], tty.io, depsWith(f.runtimeDir))).toBe(0);
    expect(tty.stderr.text).toMatch(/\r\x1b\[Khashing 100% \(\d+\/\d+ files, .* of .*\)/);
    expect(tty.stderr.text.endsWith('\r\x1b[K')).toBe(true); // the progress line is cleared
    expect(tty.stdout.text).toMatch(/^built version 5: /);

    const piped = session(f.root);
    expect(await runCli(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--version', '6'], piped.io, depsWith(f.runtimeDir))).toBe(0);
    expect(piped.stderr.text).toBe('');

    const dir = await tempDir();
    const terminal = session(dir, { tty: true });
    expect(await runCli(['init'], terminal.io)).toBe(0);
    expect(terminal.stdout.text).toMatch(/\nNext: set "signal" in the config/);
    const quiet = session(await tempDir());
    expect(await runCli(['init'], quiet.io)).toBe(0);
    expect(quiet.stdout.text).not.toMatch(/Next/);
    expect(quiet.stdout.text.trimEnd().split('\n')).toHaveLength(4); // config, keys, .gitignore, script
  });

  it('serve and signal print one JSON line when listening with --json, and exit 0 when stopped', async () => {
    const f = await fixture();
    await writeFile(join(f.root, 'deploynet.config.json'), JSON.stringify({ siteDir: 'site', signalNode: { port: 0, logLevel: 'silent' } }));
    const serve = session(f.root);
    const serving = runCli(['serve', '--port', '0', '--json'], serve.io);
    await expect.poll(() => serve.stdout.text).toMatch(/\n$/);
    const line = JSON.parse(serve.stdout.text) as { url: string };
    expect(line).toMatchObject({ ok: true, listening: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), siteDir: f.siteDir });
    expect(await (await fetch(`${line.url}/css/site.css`)).text()).toBe('body { color: red }\n');
    serve.stop();
    expect(await serving).toBe(0);

    const signal = session(f.root);
    const signalling = runCli(['signal', '--json'], signal.io); // port 0 and silence from signalNode
    await expect.poll(() => signal.stdout.text).toMatch(/\n$/);
    const node = JSON.parse(signal.stdout.text) as { url: string };
    expect(node).toMatchObject({ ok: true, listening: true });
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
    signal.stop();
    expect(await signalling).toBe(0);
    expect(signal.stderr.text).toBe(''); // logLevel silent came from the config
  });

  it('keygen --json, and its default folder is the config’s keyFile folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'deploynet.config.json'), '{"keyFile": "keys/deploynet.key"}');
    const s = session(dir);
    expect(await runCli(['keygen', '--json'], s.io)).toBe(0);
    const r = JSON.parse(s.stdout.text) as { privateKeyPath: string; keyId: string };
    expect(r).toMatchObject({ ok: true, privateKeyPath: join(dir, 'keys/deploynet.key'), publicKeyPath: join(dir, 'keys/deploynet.pub') });
    expect(await readFile(r.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('reads DEBUG as the debug package does', () => {
    expect(debugEnabled({ DEBUG: 'deploynet' })).toBe(true);
    expect(debugEnabled({ DEBUG: 'express:*, deploynet:*' })).toBe(true);
    expect(debugEnabled({ DEBUG: '*' })).toBe(true);
    expect(debugEnabled({ DEBUG: 'deploynetx' })).toBe(false);
    expect(debugEnabled({})).toBe(false);
  });
});
