import { createHash } from 'node:crypto';
import { readFile, readdir, rm, writeFile, appendFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { parseEnvelope, serializeEnvelope } from '../core/manifest.js';
import { resolveSiteConfig } from '../core/site-config.js';
import { KILL_SWITCH_PAGE_PRELUDE, KILL_SWITCH_SW_TEMPLATE, buildSite, readIceServersFile, type BuildSiteOptions } from './build-site.js';
import { SCRIPT_TAG } from './inject.js';
import { generateKeyPair } from './keys.js';
import { FAKE_PAGE, FAKE_SW, bytes, cleanup, fixture, type Fixture } from './site.test-kit.js';
import { verifySite } from './verify-site.js';

afterEach(cleanup);

const NOW = Date.parse('2025-11-21T12:00:00.000Z');

function opts(f: Fixture, extra: Partial<BuildSiteOptions> = {}): BuildSiteOptions {
  return { siteDir: f.siteDir, keyFile: f.keys.privateKeyPath, runtimeDir: f.runtimeDir, now: NOW, ...extra };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DeployNetError) return err.code;
    throw err;
  }
  return 'no error';
}

const codes = (r: { problems: readonly { code: string }[] }): string[] => r.problems.map((p) => p.code);

describe('buildSite', () => {
  it('writes a signed manifest, the SW and the page script, and verifies', async () => {
    const f = await fixture();
    const r = await buildSite(opts(f, { signal: 'http://127.0.0.1:9000/' }));
    expect(r.version).toBe(Math.floor(NOW / 1000));
    expect(r.keyId).toBe(f.keys.keyId);
    expect(r.manifest.created).toBe('2025-11-21T12:00:00.000Z');
    expect(r.manifest.expires).toBe('2025-12-21T12:00:00.000Z');
    expect(Object.keys(r.manifest.files)).toEqual(['/css/site.css', '/deploynet.js', '/img/dot.png', '/index.html']);
    expect(r.fileCount).toBe(4);

    const envelope = parseEnvelope(await readFile(r.paths.manifest, 'utf8'));
    expect(envelope.keyId).toBe(f.keys.keyId);
    const sw = await readFile(join(f.siteDir, 'deploynet-sw.js'), 'utf8');
    const page = await readFile(join(f.siteDir, 'deploynet.js'), 'utf8');
    const digest = createHash('sha256').update(await readFile(r.paths.manifest)).digest('hex');
    expect(sw.startsWith(`/* deploynet manifest version ${r.version} sha256 ${digest} */\n`)).toBe(true);
    const m = /^var __DEPLOYNET_CONFIG__ = (.*);\n/m.exec(sw);
    expect(m).not.toBeNull();
    const config = resolveSiteConfig(JSON.parse(m![1]!));
    expect(config).toEqual(r.config);
    expect(config.signal).toBe('http://127.0.0.1:9000');
    expect(config.keyId).toBe(f.keys.keyId);
    expect(sw.endsWith(FAKE_SW)).toBe(true);
    expect(page).toBe(m![0] + FAKE_PAGE);
    expect(page.startsWith('var __DEPLOYNET_CONFIG__')).toBe(true);
    expect(r.manifest.files['/deploynet.js']!.size).toBe(Buffer.byteLength(page));
    // No temp files left behind.
    expect((await readdir(f.siteDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const v = await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.manifest?.version).toBe(r.version);
  });

  it('honours --version, --expires and --inject, and a rebuild is clean', async () => {
    const f = await fixture();
    await f.write('about/index.htm', '<html><head><title>a</title></head></html>');
    const r = await buildSite(opts(f, { version: 42, expires: '12h', inject: true }));
    expect(r.version).toBe(42);
    expect(r.manifest.expires).toBe('2025-11-22T00:00:00.000Z');
    expect(r.paths.injected).toEqual(['/about/index.htm', '/index.html']);
    expect(await readFile(join(f.siteDir, 'index.html'), 'utf8')).toContain(`<meta charset="utf-8">${SCRIPT_TAG}`);
    const swBefore = await readFile(r.paths.sw, 'utf8');
    const again = await buildSite(opts(f, { version: 43, inject: true }));
    expect(again.paths.injected).toEqual([]);
    // A new deploy changes the SW's bytes, so browsers install it and take the new manifest.
    expect(await readFile(again.paths.sw, 'utf8')).not.toBe(swBefore);
    expect((await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW })).ok).toBe(true);
  });

  it('--kill-switch writes the off SW template and an off page script, and still signs a manifest', async () => {
    const f = await fixture();
    const OFF_SW = '/* fake off worker */ self.registration.unregister();\n';
    const before = (await readdir(f.siteDir)).sort();
    expect(await codeOf(buildSite(opts(f, { killSwitch: true })))).toBe('BAD_CONFIG'); // template missing
    expect((await readdir(f.siteDir)).sort()).toEqual(before);

    await writeFile(join(f.runtimeDir, KILL_SWITCH_SW_TEMPLATE), OFF_SW);
    const r = await buildSite(opts(f, { killSwitch: true, version: 5 }));
    expect(r.killSwitch).toBe(true);
    const sw = await readFile(r.paths.sw, 'utf8');
    const page = await readFile(r.paths.page, 'utf8');
    const prelude = /^var __DEPLOYNET_CONFIG__ = .*;\n/m.exec(sw)![0];
    expect(sw).toMatch(/^\/\* deploynet manifest version 5 sha256 [0-9a-f]{64} \*\/\n/);
    expect(sw.endsWith(prelude + OFF_SW)).toBe(true);
    expect(sw).not.toContain(FAKE_SW);
    expect(page).toBe(prelude + KILL_SWITCH_PAGE_PRELUDE + FAKE_PAGE);
    expect((await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW })).ok).toBe(true);

    const normal = await buildSite(opts(f, { version: 6 }));
    expect(normal.killSwitch).toBe(false);
    expect((await readFile(normal.paths.sw, 'utf8')).endsWith(FAKE_SW)).toBe(true);
    expect(await readFile(normal.paths.page, 'utf8')).toBe(prelude + FAKE_PAGE);
  });

  it('bakes the upload rate, ICE servers and relay-only policy into both runtime files', async () => {
    const f = await fixture();
    const iceServers = [{ urls: ['turn:turn.example:3478', 'turns:turn.example:5349'], username: 'u', credential: 'c' }];
    const r = await buildSite(opts(f, { signal: 'http://127.0.0.1:9000', uploadRateBytesPerSec: 250_000, iceServers, iceTransportPolicy: 'relay' }));
    expect(r.config).toMatchObject({ uploadRateBytesPerSec: 250_000, iceServers, iceTransportPolicy: 'relay' });
    for (const path of [r.paths.sw, r.paths.page]) {
      const m = /^var __DEPLOYNET_CONFIG__ = (.*);\n/m.exec(await readFile(path, 'utf8'));
      expect(resolveSiteConfig(JSON.parse(m![1]!))).toEqual(r.config);
    }
    const plain = await buildSite(opts(f, { version: 2 }));
    expect(plain.config).toMatchObject({ uploadRateBytesPerSec: 0, iceServers: [], iceTransportPolicy: 'all' });
  });

  it('refuses relay-only without a TURN server and a bad upload rate, before writing anything', async () => {
    const f = await fixture();
    const before = (await readdir(f.siteDir)).sort();
    expect(await codeOf(buildSite(opts(f, { iceTransportPolicy: 'relay' })))).toBe('BAD_CONFIG');
    expect(await codeOf(buildSite(opts(f, { iceTransportPolicy: 'relay', iceServers: [{ urls: 'stun:s.example' }] })))).toBe('BAD_CONFIG');
    expect(await codeOf(buildSite(opts(f, { uploadRateBytesPerSec: -1 })))).toBe('BAD_CONFIG');
    expect(await codeOf(buildSite(opts(f, { uploadRateBytesPerSec: 2e9 })))).toBe('BAD_CONFIG');
    expect((await readdir(f.siteDir)).sort()).toEqual(before);
  });

  it('lists chunk hashes for a file over one chunk', async () => {
    const f = await fixture();
    await f.write('video.bin', bytes(600 * 1024, 9));
    const r = await buildSite(opts(f));
    expect(r.manifest.files['/video.bin']!.chunks).toHaveLength(3);
    expect(r.manifest.files['/index.html']!.chunks).toBeUndefined();
  });

  it('refuses bad input with its code, before writing anything', async () => {
    const f = await fixture();
    const before = (await readdir(f.siteDir)).sort();
    expect(await codeOf(buildSite(opts(f, { siteDir: join(f.root, 'missing') })))).toBe('SITE_DIR_MISSING');
    expect(await codeOf(buildSite(opts(f, { keyFile: f.keys.publicKeyPath })))).toBe('KEY_INVALID');
    expect(await codeOf(buildSite(opts(f, { keyFile: join(f.root, 'nope.key') })))).toBe('KEY_UNREADABLE');
    expect(await codeOf(buildSite(opts(f, { expires: '30 days' })))).toBe('BAD_ARGUMENT');
    expect(await codeOf(buildSite(opts(f, { expires: '0d' })))).toBe('BAD_ARGUMENT');
    expect(await codeOf(buildSite(opts(f, { version: 0 })))).toBe('BAD_ARGUMENT');
    expect(await codeOf(buildSite(opts(f, { version: 1.5 })))).toBe('BAD_ARGUMENT');
    expect(await codeOf(buildSite(opts(f, { signal: 'ws://x' })))).toBe('BAD_CONFIG');
    expect(await codeOf(buildSite(opts(f, { runtimeDir: join(f.root, 'no-runtime') })))).toBe('BAD_CONFIG');
    // A dot-file escapes the site walk, but the key passed with --key is refused by location too.
    await copyFile(f.keys.privateKeyPath, join(f.siteDir, '.deploynet.key'));
    expect(await codeOf(buildSite(opts(f, { keyFile: join(f.siteDir, '.deploynet.key') })))).toBe('KEY_IN_SITE');
    await rm(join(f.siteDir, '.deploynet.key'));
    expect((await readdir(f.siteDir)).sort()).toEqual(before);
  });

  it('stops with FILE_CHANGED when a file changes while it is hashed', async () => {
    const f = await fixture();
    const css = join(f.siteDir, 'css/site.css');
    const beforeRead = async (abs: string): Promise<void> => {
      if (abs === css) await appendFile(css, 'p{}');
    };
    await expect(buildSite(opts(f, { beforeRead }))).rejects.toMatchObject({ code: 'FILE_CHANGED', message: expect.stringContaining('/css/site.css') });
  });
});

describe('readIceServersFile', () => {
  async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await p;
    } catch (err) {
      if (err instanceof DeployNetError) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error('expected a DeployNetError');
  }

  it('reads and validates an array of RTCIceServer objects', async () => {
    const f = await fixture();
    const servers = [{ urls: 'stun:s.example' }, { urls: ['turn:t.example'], username: 'u', credential: 'c' }];
    const path = join(f.root, 'ice.json');
    await writeFile(path, JSON.stringify(servers, null, 2));
    expect(await readIceServersFile(path)).toEqual(servers);
  });

  it('refuses a missing file, bad JSON and a bad entry with one sentence naming the file', async () => {
    const f = await fixture();
    const missing = join(f.root, 'nope.json');
    expect(await failure(readIceServersFile(missing))).toEqual({ code: 'FILE_UNREADABLE', message: `cannot read the ICE servers file ${missing}: it does not exist` });
    const path = join(f.root, 'ice.json');
    await writeFile(path, 'turn:secret-credential');
    const bad = await failure(readIceServersFile(path));
    expect(bad.code).toBe('BAD_CONFIG');
    expect(bad.message).toMatch(new RegExp(`^the ICE servers file ${path} is not valid JSON \\(`));
    expect(bad.message).not.toContain('secret'); // V8 quotes the text; the file holds credentials
    await writeFile(path, '{"urls": "stun:a"}');
    expect(await failure(readIceServersFile(path))).toMatchObject({ code: 'BAD_CONFIG', message: expect.stringMatching(/must hold a JSON array of RTCIceServer objects: iceServers must be an array/) });
    await writeFile(path, '[{"urls": 5}]');
    expect(await failure(readIceServersFile(path))).toMatchObject({ code: 'BAD_CONFIG', message: expect.stringMatching(/iceServers\[0\]\.urls must be/) });
  });
});

describe('verifySite', () => {
  async function built(): Promise<Fixture> {
    const f = await fixture();
    await buildSite(opts(f));
    return f;
  }
  const verify = (f: Fixture, extra: { now?: number; pubFile?: string } = {}) =>
    verifySite({ siteDir: f.siteDir, pubFile: extra.pubFile ?? f.keys.publicKeyPath, now: extra.now ?? NOW });

  it('finds a changed, a resized, a missing and an unlisted file', async () => {
    const f = await built();
    await writeFile(join(f.siteDir, 'css/site.css'), 'body { color: RED }\n'); // same size
    await appendFile(join(f.siteDir, 'index.html'), '<!-- -->');
    await rm(join(f.siteDir, 'img/dot.png'));
    await f.write('new.txt', 'new');
    const r = await verify(f);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.path, p.code])).toEqual([
      ['/css/site.css', 'HASH_MISMATCH'],
      ['/img/dot.png', 'FILE_UNREADABLE'],
      ['/index.html', 'SIZE_MISMATCH'],
      ['/new.txt', 'NOT_IN_MANIFEST'],
    ]);
  });

  it('names the bad chunk of a large file', async () => {
    const f = await fixture();
    const data = bytes(600 * 1024, 5);
    await f.write('big.bin', data);
    await buildSite(opts(f));
    data[300 * 1024] = data[300 * 1024]! ^ 0xff;
    await f.write('big.bin', data);
    const r = await verify(f);
    expect(r.problems.map((p) => p.code)).toEqual(['HASH_MISMATCH', 'HASH_MISMATCH']);
    expect(r.problems[1]!.message).toMatch(/chunk 1 of 3/);
  });

  it('detects a tampered manifest text and a tampered signature', async () => {
    const f = await built();
    const path = join(f.siteDir, 'deploynet-manifest.json');
    const original = await readFile(path, 'utf8');
    const env = parseEnvelope(original);
    await writeFile(path, serializeEnvelope({ ...env, manifest: env.manifest.replace('"version":', '"version":1') }));
    expect(codes(await verify(f))).toEqual(['MANIFEST_SIGNATURE_INVALID']);
    const sig = env.signature.startsWith('A') ? `B${env.signature.slice(1)}` : `A${env.signature.slice(1)}`;
    await writeFile(path, serializeEnvelope({ ...env, signature: sig }));
    expect(codes(await verify(f))).toEqual(['MANIFEST_SIGNATURE_INVALID']);
    await writeFile(path, original.replace('"format"', '"formt"'));
    expect(codes(await verify(f))).toEqual(['MANIFEST_MALFORMED']);
    await rm(path);
    expect(codes(await verify(f))).toEqual(['MANIFEST_UNAVAILABLE']);
    await writeFile(path, original);
    expect((await verify(f)).ok).toBe(true);
  });

  it('refuses another key, reports expiry but still checks files', async () => {
    const f = await built();
    const other = await generateKeyPair(join(f.root, 'other'));
    expect(codes(await verify(f, { pubFile: other.publicKeyPath }))).toEqual(['MANIFEST_UNKNOWN_KEY']);
    await f.write('late.txt', 'x');
    expect(codes(await verify(f, { now: NOW + 31 * 86_400_000 }))).toEqual(['MANIFEST_EXPIRED', 'NOT_IN_MANIFEST']);
  });

  it('throws for a missing site or a wrong key file', async () => {
    const f = await built();
    expect(await codeOf(verifySite({ siteDir: join(f.root, 'x'), pubFile: f.keys.publicKeyPath }))).toBe('SITE_DIR_MISSING');
    expect(await codeOf(verifySite({ siteDir: f.siteDir, pubFile: f.keys.privateKeyPath }))).toBe('KEY_INVALID');
  });
});
