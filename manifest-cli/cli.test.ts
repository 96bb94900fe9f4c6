/**
 * The `deploynet` bin as users run it: `node dist/cli.js ...` in a child process. beforeAll runs
 * `npm run build` when dist/cli.js is missing or older than the sources it bundles.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCRIPT_TAG } from './inject.js';
import { cleanup, fixture, tempDir } from './site.test-kit.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO, 'dist/cli.js');

function newestSource(): number {
  let newest = 0;
  for (const dir of ['manifest-cli', 'core', 'signal', 'sw', 'page-bridge']) {
    const abs = join(REPO, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) if (name.endsWith('.ts')) newest = Math.max(newest, statSync(join(abs, name)).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  const runtime = join(REPO, 'dist/runtime/deploynet-sw.js');
  if (!existsSync(CLI) || !existsSync(runtime) || statSync(CLI).mtimeMs < newestSource()) {
    execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'pipe' });
  }
}, 120_000);
afterEach(cleanup);

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], cwd = REPO): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 1 and exactly one `deploynet: ...` line on stderr, no stack trace. */
function expectOneSentence(r: Run, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^deploynet: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:|node:internal/);
}

describe('deploynet CLI', { timeout: 60_000 }, () => {
  it('keygen writes a key pair once and refuses to overwrite it', async () => {
    const dir = await tempDir();
    const first = run(['keygen', '--out', dir]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/key [0-9a-f]{16}/);
    expect((await stat(join(dir, 'deploynet.key'))).mode & 0o777).toBe(0o600);
    const key = await readFile(join(dir, 'deploynet.key'), 'utf8');
    expectOneSentence(run(['keygen', '--out', dir]), /already exists/);
    expect(await readFile(join(dir, 'deploynet.key'), 'utf8')).toBe(key);
  });

  it('build prints one summary line (or JSON), and verify passes then catches tampering', async () => {
    const f = await fixture();
    const b = run(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--signal', 'http://127.0.0.1:9000', '--version', '7', '--inject']);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(new RegExp(`^built version 7: 4 files, [0-9.]+ k?B, key ${f.keys.keyId}\\n$`));
    expect(b.stderr).toBe(''); // not a TTY: no progress
    const sw = await readFile(join(f.siteDir, 'deploynet-sw.js'), 'utf8');
    expect(sw).toMatch(/^\/\* deploynet manifest version 7 sha256 [0-9a-f]{64} \*\/\nvar __DEPLOYNET_CONFIG__ = \{"v":1,/);
    expect(await readFile(join(f.siteDir, 'index.html'), 'utf8')).toContain(SCRIPT_TAG);

    const j = run(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--version', '8', '--json']);
    expect(j.status, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, version: 8, keyId: f.keys.keyId, fileCount: 4 });

    const ok = run(['verify', f.siteDir, '--pub', f.keys.publicKeyPath]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^verified version 8: 4 files match/);

    await appendFile(join(f.siteDir, 'css/site.css'), '/* changed */');
    const bad = run(['verify', f.siteDir, '--pub', f.keys.publicKeyPath]);
    expect(bad.stdout).toMatch(/SIZE_MISMATCH \/css\/site\.css/);
    expectOneSentence(bad, /verify failed: 1 problem/);
    const badJson = run(['verify', f.siteDir, '--pub', f.keys.publicKeyPath, '--json']);
    expect(badJson.status).toBe(1);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ ok: false, problems: [{ path: '/css/site.css', code: 'SIZE_MISMATCH' }] });
  });

  it('build --kill-switch writes the no-op service worker and an unregister-only page script', async () => {
    const f = await fixture();
    const b = run(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--version', '9', '--kill-switch']);
    expect(b.status, b.stderr).toBe(0);
    const off = await readFile(join(REPO, 'dist/runtime/deploynet-sw-off.js'), 'utf8');
    const sw = await readFile(join(f.siteDir, 'deploynet-sw.js'), 'utf8');
    const header = /^\/\* deploynet manifest version 9 sha256 [0-9a-f]{64} \*\/\n(var __DEPLOYNET_CONFIG__ = .*;\n)/.exec(sw);
    expect(header).not.toBeNull();
    expect(sw).toBe(header![0] + off);
    expect(off).toContain('unregister()');
    expect(off).not.toMatch(/addEventListener\(\s*["']fetch["']/);
    const page = await readFile(join(f.siteDir, 'deploynet.js'), 'utf8');
    expect(page.startsWith(`${header![1]}var __DEPLOYNET_OFF__ = true;\n`)).toBe(true);
    expect(run(['verify', f.siteDir, '--pub', f.keys.publicKeyPath]).status).toBe(0);
  });

  it('bad input: one sentence, exit 1', async () => {
    const f = await fixture();
    expectOneSentence(run(['build', join(f.root, 'missing'), '--key', f.keys.privateKeyPath]), /is not a directory/);
    expectOneSentence(run(['build', f.siteDir, '--key', f.keys.publicKeyPath]), /is a public key/);
    expectOneSentence(run(['build', f.siteDir, '--key', join(f.root, 'nope.key')]), /cannot read the key file/);
    expectOneSentence(run(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--expires', 'soon']), /duration/);
    expectOneSentence(run(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--version', 'x']), /--version must be a whole number/);
    expectOneSentence(run(['build', f.siteDir]), /--key FILE is required.*deploynet build --help/);
    expectOneSentence(run(['build', '--key', f.keys.privateKeyPath]), /SITE_DIR is missing/);
    expectOneSentence(run(['build', f.siteDir, '--key', f.keys.privateKeyPath, '--frobnicate']), /unknown option --frobnicate.*deploynet build --help/);
    expectOneSentence(run(['verify', f.siteDir, '--pub']), /--pub needs a value/);
    expectOneSentence(run(['launch']), /unknown command "launch".*deploynet --help/);
    expectOneSentence(run(['serve', f.siteDir, '--port', '99999']), /--port must be a whole number from 0 to 65535/);
  });

  it('build --signal-token puts the site token into both runtime files; a bad one: one sentence', async () => {
    const f = await fixture();
    const key = ['--key', f.keys.privateKeyPath];
    const token = 'lakeside-site-token-0123456789';
    const b = run(['build', f.siteDir, ...key, '--signal', 'http://127.0.0.1:9000', '--signal-token', token]);
    expect(b.status, b.stderr).toBe(0);
    for (const file of ['deploynet-sw.js', 'deploynet.js']) {
      const m = /^var __DEPLOYNET_CONFIG__ = (.*);\n/m.exec(await readFile(join(f.siteDir, file), 'utf8'));
      expect(JSON.parse(m![1]!)).toMatchObject({ signalToken: token });
    }
    expectOneSentence(run(['build', f.siteDir, ...key, '--signal', 'http://127.0.0.1:9000', '--signal-token', 'short']), /--signal-token must be 16 to 128 characters/);
    expectOneSentence(run(['build', f.siteDir, ...key, '--signal-token', token]), /--signal-token needs --signal URL/);
    const withRegion = run(['build', f.siteDir, ...key, '--region', 'eu-west']);
    expect(withRegion.status, withRegion.stderr).toBe(0);
    const m = /^var __DEPLOYNET_CONFIG__ = (.*);\n/m.exec(await readFile(join(f.siteDir, 'deploynet.js'), 'utf8'));
    expect(JSON.parse(m![1]!)).toMatchObject({ region: 'eu-west' });
    expectOneSentence(run(['build', f.siteDir, ...key, '--region', 'EU West']), /--region must be 1 to 32 characters/);
  });

  it('build --upload-rate, --ice-servers and --relay-only configure both runtime files; bad ones: one sentence', async () => {
    const f = await fixture();
    const ice = join(f.root, 'turn.json');
    const servers = [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'c' }];
    await writeFile(ice, JSON.stringify(servers));
    const key = ['--key', f.keys.privateKeyPath];
    const b = run(['build', f.siteDir, ...key, '--version', '3', '--upload-rate', '500000', '--ice-servers', ice, '--relay-only']);
    expect(b.status, b.stderr).toBe(0);
    for (const file of ['deploynet-sw.js', 'deploynet.js']) {
      const m = /^var __DEPLOYNET_CONFIG__ = (.*);\n/m.exec(await readFile(join(f.siteDir, file), 'utf8'));
      expect(JSON.parse(m![1]!)).toMatchObject({ uploadRateBytesPerSec: 500000, iceServers: servers, iceTransportPolicy: 'relay' });
    }

    expectOneSentence(run(['build', f.siteDir, ...key, '--relay-only']), /--relay-only needs --ice-servers FILE.*deploynet build --help/);
    const stunOnly = join(f.root, 'stun.json');
    await writeFile(stunOnly, '[{"urls": "stun:stun.example"}]');
    expectOneSentence(run(['build', f.siteDir, ...key, '--ice-servers', stunOnly, '--relay-only']), /relay-only.*needs the site's own TURN server/);
    expectOneSentence(run(['build', f.siteDir, ...key, '--ice-servers', join(f.root, 'nope.json')]), /cannot read the ICE servers file .*nope\.json: it does not exist/);
    const broken = join(f.root, 'broken.json');
    await writeFile(broken, '[{"urls": "turn:t", "credential": "s3cret",}]');
    const badJson = run(['build', f.siteDir, ...key, '--ice-servers', broken]);
    expectOneSentence(badJson, /the ICE servers file .*broken\.json is not valid JSON/);
    expect(badJson.stderr).not.toContain('s3cret');
    expectOneSentence(run(['build', f.siteDir, ...key, '--ice-servers', ice, '--upload-rate', '2000000000']), /--upload-rate must be a whole number from 0 to 1000000000/);
    expectOneSentence(run(['build', f.siteDir, ...key, '--upload-rate', '1.5']), /--upload-rate must be a whole number/);
    expectOneSentence(run(['build', f.siteDir, ...key, '--ice-servers']), /--ice-servers needs a value/);
  });

  it('--help and --version', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: deploynet <command>/);
    for (const command of ['init', 'keygen', 'build', 'verify', 'signal', 'serve']) {
      const r = run([command, '--help']);
      expect(r.status, command).toBe(0);
      expect(r.stdout, command).toMatch(new RegExp(`^Usage: deploynet ${command}[\\s\\S]*Examples?:\\n  deploynet ${command}\\b`));
      expect(r.stdout, command).toMatch(/--json {2,}print the result as one JSON line/);
      expect(r.stdout, command).toMatch(/--config FILE {2,}the project file/);
    }
    expect(help.stdout).toMatch(/Exit codes:\n  0  ok\n  1  a user error.*\n  2  an internal error/);
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('init sets a project up (key, .gitignore, config, npm script), refuses to run twice, --force replaces', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'package.json'), '{\n  "name": "shop",\n  "private": true\n}\n');
    const r = run(['init', '--site', 'public', '--signal', 'http://127.0.0.1:9000'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    // Not a terminal: the results, no next-step hints.
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `wrote ${join(dir, 'deploynet.config.json')}`,
      expect.stringMatching(/^wrote .*deploynet\.key \(private, keep it secret\) and .*deploynet\.pub, key [0-9a-f]{16}$/),
      `added /deploynet.key to ${join(dir, '.gitignore')}`,
      'npm script "deploynet": "deploynet build": added',
    ]);
    expect((await stat(join(dir, 'deploynet.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('\n/deploynet.key\n');
    expect(JSON.parse(await readFile(join(dir, 'deploynet.config.json'), 'utf8'))).toMatchObject({ siteDir: 'public', keyFile: 'deploynet.key', signal: 'http://127.0.0.1:9000', chunkSize: 262144 });
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toBe('{\n  "name": "shop",\n  "private": true,\n  "scripts": {\n    "deploynet": "deploynet build"\n  }\n}\n');

    const key = await readFile(join(dir, 'deploynet.key'), 'utf8');
    expectOneSentence(run(['init'], dir), /deploynet\.config\.json already exists; edit it, or pass --force/);
    expect(await readFile(join(dir, 'deploynet.key'), 'utf8')).toBe(key);

    const forced = run(['init', '--force', '--json'], dir);
    expect(forced.status, forced.stderr).toBe(0);
    const j = JSON.parse(forced.stdout) as { replacedKey: string; keyId: string; gitignore: { added: string[] }; script: { status: string } };
    expect(j).toMatchObject({ ok: true, script: { status: 'present' } });
    expect(await readFile(j.replacedKey, 'utf8')).toBe(key); // the old key is kept
    expect(j.gitignore.added).toEqual([`/${basename(j.replacedKey)}`]);
    expect(await readFile(join(dir, 'deploynet.key'), 'utf8')).not.toBe(key);
  });

  it('build and verify read deploynet.config.json; flags win over it', async () => {
    const f = await fixture();
    await writeFile(
      join(f.root, 'deploynet.config.json'),
      JSON.stringify({ siteDir: 'site', keyFile: 'keys/deploynet.key', pubFile: 'keys/deploynet.pub', signal: 'http://127.0.0.1:9000', region: 'eu-west', chunkSize: 65536, uploadRateBytesPerSec: 1000, inject: true }),
    );
    const b = run(['build', '--version', '11', '--region', 'us-east', '--json'], f.root);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ ok: true, version: 11, fileCount: 4 });
    const page = await readFile(join(f.siteDir, 'deploynet.js'), 'utf8');
    expect(JSON.parse(/^var __DEPLOYNET_CONFIG__ = (.*);\n/.exec(page)![1]!)).toMatchObject({ signal: 'http://127.0.0.1:9000', region: 'us-east', uploadRateBytesPerSec: 1000 });
    const manifest = JSON.parse(await readFile(join(f.siteDir, 'deploynet-manifest.json'), 'utf8')) as { manifest: string };
    expect(JSON.parse(manifest.manifest)).toMatchObject({ chunkSize: 65536, version: 11 });
    expect(await readFile(join(f.siteDir, 'index.html'), 'utf8')).toContain(SCRIPT_TAG);

    const v = run(['verify', '--json'], f.root);
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({ ok: true, version: 11, problems: [] });

    // --config from elsewhere: paths in the file are relative to the file.
    const elsewhere = await tempDir();
    const c = run(['build', '--config', join(f.root, 'deploynet.config.json'), '--version', '12', '--signal', 'http://127.0.0.1:9001'], elsewhere);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^built version 12: 4 files/);
    expect(await readFile(join(f.siteDir, 'deploynet-sw.js'), 'utf8')).toContain('"signal":"http://127.0.0.1:9001"');

    // swMode from the file; --sw-mode wins.
    const conf = JSON.parse(await readFile(join(f.root, 'deploynet.config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(f.root, 'deploynet.config.json'), JSON.stringify({ ...conf, swMode: 'embed' }));
    const embed = run(['build', '--json'], f.root);
    expect(embed.status, embed.stderr).toBe(0);
    expect(JSON.parse(embed.stdout)).toMatchObject({ paths: { sw: join(f.siteDir, 'deploynet-sw-lib.js') } });
    const standalone = run(['build', '--json', '--sw-mode', 'standalone'], f.root);
    expect(JSON.parse(standalone.stdout)).toMatchObject({ paths: { sw: join(f.siteDir, 'deploynet-sw.js') } });
    expectOneSentence(run(['build', '--sw-mode', 'bundled'], f.root), /--sw-mode must be standalone or embed, not "bundled"/);
  });

  it('a bad config file: one sentence naming the file and the field, exit 1, nothing built', async () => {
    const f = await fixture();
    const config = join(f.root, 'deploynet.config.json');
    const build = ['build', 'site', '--key', f.keys.privateKeyPath];
    await writeFile(config, '{"chunkSize": 100000}');
    expectOneSentence(run(build, f.root), /^deploynet: deploynet\.config\.json: "chunkSize" must be a power of two from 16384 \(16 KiB\) to 4194304 \(4 MiB\) bytes, e\.g\. 262144, not 100000$/);
    expect(existsSync(join(f.siteDir, 'deploynet-manifest.json'))).toBe(false);
    await writeFile(config, '{"firstvisit": "none"}');
    expectOneSentence(run(build, f.root), /"firstvisit" is not a DeployNet setting; did you mean "firstVisit"\?/);
    await writeFile(config, '{"siteDir": "site",\n "expires": 30}');
    expectOneSentence(run(['verify', '--pub', f.keys.publicKeyPath], f.root), /deploynet\.config\.json: "expires" must be a duration/);
    await writeFile(config, '{"siteDir": "site",}');
    expectOneSentence(run(['serve', '--port', '0'], f.root), /deploynet\.config\.json is not valid JSON \(.* at line 1, column 20\)/);
    await writeFile(config, '{"signalNode": {"port": "9000"}}');
    expectOneSentence(run(['signal'], f.root), /"signalNode\.port" must be an integer from 0 to 65535/);
    await writeFile(config, '{"signalToken": "lakeside-site-token-0123456789"}');
    expectOneSentence(run(build, f.root), /deploynet\.config\.json: "signalToken" needs a signal node; set "signal" \(or pass --signal URL\)/);
    await writeFile(config, '{"iceTransportPolicy": "relay", "iceServers": [{"urls": "stun:stun.example"}]}');
    expectOneSentence(run(build, f.root), /deploynet\.config\.json: "iceTransportPolicy" "relay" needs your own TURN server/);
    expectOneSentence(run([...build, '--config', 'missing.json'], f.root), /cannot read the config file missing\.json: it does not exist/);
    const withoutKey = run(['build', 'site', '--json'], await tempDir());
    expect(withoutKey.status).toBe(1);
    expect(JSON.parse(withoutKey.stdout)).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT', message: expect.stringMatching(/--key FILE is required \(or set "keyFile" in deploynet\.config\.json\)/) } });
  });

  it('keygen --json prints one JSON line', async () => {
    const dir = await tempDir();
    const r = run(['keygen', '--out', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, keyId: expect.stringMatching(/^[0-9a-f]{16}$/), privateKeyPath: join(dir, 'deploynet.key'), publicKeyPath: join(dir, 'deploynet.pub') });
  });

  /**
   * Starts a long-running command, resolves with its printed URL, a stop() giving the exit code,
   * and what it has written to stderr so far.
   */
  async function start(
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<{ url: string; stop(signal: NodeJS.Signals): Promise<number | null>; stderr(): string; stdout(): string }> {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^(?:\{.*"url":")?(http:\/\/127\.0\.0\.1:\d+)(?:".*\})?\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`${args[0]} exited early: ${out} ${stderr}`)));
    });
    return { url, stop: (signal) => (child.kill(signal), exited), stderr: () => stderr, stdout: () => out };
  }

  it('serve prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const f = await fixture();
    const s = await start(['serve', f.siteDir, '--port', '0']);
    const r = await fetch(`${s.url}/css/site.css`);
    expect(await r.text()).toBe('body { color: red }\n');
    expect(await s.stop('SIGTERM')).toBe(0);
  });

  it('serve and signal --json print one JSON line when listening', async () => {
    const f = await fixture();
    const s = await start(['serve', f.siteDir, '--port', '0', '--json']);
    expect(JSON.parse(s.stdout())).toMatchObject({ ok: true, listening: true, url: s.url, siteDir: f.siteDir });
    expect(await s.stop('SIGTERM')).toBe(0);
    const n = await start(['signal', '--port', '0', '--json', '--log-level', 'silent']);
    expect(JSON.parse(n.stdout())).toEqual({ ok: true, listening: true, url: n.url });
    expect(await n.stop('SIGTERM')).toBe(0);
  });

  it('signal prints its base URL, answers /health, and exits 0 on SIGINT', async () => {
    const s = await start(['signal', '--port', '0']);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect(await s.stop('SIGINT')).toBe(0);
  });

  it('signal refuses a bad flag or DEPLOYNET_SIGNAL_* variable with one sentence and exit 1', () => {
    expectOneSentence(run(['signal', '--message-rate', 'fast']), /--message-rate must be a whole number, not "fast"/);
    expectOneSentence(run(['signal', '--allowed-origins', 'https://a.example/app']), /--allowed-origins must list origins like https:\/\/example\.com/);
    expectOneSentence(run(['signal', '--rate', '5']), /unknown option --rate/);
    const badRedis = run(['signal', '--redis', 'http://:hunter2@redis.example']);
    expectOneSentence(badRedis, /--redis must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(badRedis.stderr).not.toContain('hunter2');
    const withEnv = (env: Record<string, string>): Run => {
      const r = spawnSync(process.execPath, [CLI, 'signal', '--port', '0'], { cwd: REPO, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    expectOneSentence(withEnv({ DEPLOYNET_SIGNAL_LOG_LEVEL: 'chatty' }), /^deploynet: DEPLOYNET_SIGNAL_LOG_LEVEL must be one of debug, info, warn, error, silent/);
    expectOneSentence(withEnv({ DEPLOYNET_SIGNAL_MESAGE_RATE: '5' }), /DEPLOYNET_SIGNAL_MESAGE_RATE is not a setting of deploynet signal/);
    const secret = 'too short';
    const badToken = withEnv({ DEPLOYNET_SIGNAL_SITE_TOKENS: secret });
    expectOneSentence(badToken, /DEPLOYNET_SIGNAL_SITE_TOKENS must be 16 to 128 characters/);
    expect(badToken.stderr).not.toContain(secret);
  });

  it('signal logs JSON lines on stderr and drains on SIGTERM, exit 0', async () => {
    const s = await start(['signal', '--port', '0', '--drain-timeout', '500'], {
      ...process.env,
      DEPLOYNET_SIGNAL_LOG_LEVEL: 'info',
      DEPLOYNET_SIGNAL_ALLOWED_ORIGINS: 'https://site.example',
    });
    const refused = await fetch(`${s.url}/peerjs/deploynet/id`, { headers: { Origin: 'https://other.example' } });
    expect(refused.status).toBe(403);
    expect(await s.stop('SIGTERM')).toBe(0);
    const entries = s.stderr().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => e.msg)).toEqual(expect.arrayContaining(['listening', 'request-refused', 'draining', 'closed']));
    for (const e of entries) expect(e).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(info|warn)$/), msg: expect.any(String) });
  });
});
