import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { buildSiteOptionsFromConfig } from './project-build-options.js';
import { parseProjectConfig, readProjectConfig, type ProjectConfig } from './project-config.js';
import { cleanup, tempDir } from './site.test-kit.js';

afterEach(cleanup);

const CWD = '/work/project';
const parse = (value: unknown, file = 'deploynet.config.json'): ProjectConfig => parseProjectConfig(value, file, CWD);

function errorOf(fn: () => unknown): DeployNetError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeployNetError) return e;
    throw e;
  }
  throw new Error('expected a DeployNetError');
}

describe('parseProjectConfig', () => {
  it('accepts every field and resolves paths against the file’s folder', () => {
    const c = parse(
      {
        siteDir: 'dist',
        keyFile: '../keys/deploynet.key',
        pubFile: '/etc/deploynet.pub',
        signal: 'https://signal.example.com/',
        signalToken: 'lakeside-site-token-0123456789',
        region: 'eu-west',
        iceServers: [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'c' }],
        iceTransportPolicy: 'relay',
        chunkSize: 65536,
        firstVisit: 'none',
        peerTimeoutMs: 4000,
        upload: false,
        maxPeers: 8,
        uploadRateBytesPerSec: 500000,
        expires: '7d',
        inject: true,
        swMode: 'embed',
        signalNode: { port: 9100, allowedOrigins: ['https://example.com'], logLevel: 'warn' },
      },
      'site/deploynet.config.json',
    );
    expect(c).toEqual({
      file: '/work/project/site/deploynet.config.json',
      siteDir: '/work/project/site/dist',
      keyFile: '/work/project/keys/deploynet.key',
      pubFile: '/etc/deploynet.pub',
      signal: 'https://signal.example.com', // trailing slash dropped, as build does
      signalToken: 'lakeside-site-token-0123456789',
      region: 'eu-west',
      iceServers: [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'c' }],
      iceTransportPolicy: 'relay',
      chunkSize: 65536,
      firstVisit: 'none',
      peerTimeoutMs: 4000,
      upload: false,
      maxPeers: 8,
      uploadRateBytesPerSec: 500000,
      expires: '7d',
      inject: true,
      swMode: 'embed',
      signalNode: { port: 9100, allowedOrigins: ['https://example.com'], logLevel: 'warn' },
    });
  });

  it('leaves absent fields absent and keeps null for "none"', () => {
    expect(parse({})).toEqual({ file: '/work/project/deploynet.config.json' });
    expect(parse({ signal: null, signalToken: null, region: null })).toEqual({ file: '/work/project/deploynet.config.json', signal: null, signalToken: null, region: null });
  });

  it.each([
    [{ chunkSize: 100000 }, /^deploynet\.config\.json: "chunkSize" must be a power of two from 16384 \(16 KiB\) to 4194304 \(4 MiB\) bytes, e\.g\. 262144, not 100000$/],
    [{ chunkSize: '256k' }, /"chunkSize" must be a power of two .*not "256k"$/],
    [{ signal: 'ws://x' }, /^deploynet\.config\.json: "signal" must be an http:\/\/ or https:\/\/ base URL/],
    [{ signal: 42 }, /"signal" must be a string/],
    [{ iceServers: [{ urls: 5 }] }, /^deploynet\.config\.json: "iceServers\[0\]\.urls" must be an array/],
    [{ iceServers: 'turn:x' }, /"iceServers" must be an array/],
    [{ iceTransportPolicy: 'turn' }, /"iceTransportPolicy" must be one of all, relay$/],
    [{ firstVisit: 'always' }, /"firstVisit" must be one of reload, none$/],
    [{ peerTimeoutMs: 50 }, /"peerTimeoutMs" must be an integer from 100 to 60000, not 50$/],
    [{ upload: 'yes' }, /"upload" must be true or false$/],
    [{ maxPeers: 65 }, /"maxPeers" must be an integer from 0 to 64, not 65$/],
    [{ uploadRateBytesPerSec: -1 }, /"uploadRateBytesPerSec" must be an integer from 0 to 1000000000, not -1$/],
    [{ expires: '1y' }, /"expires" must be a duration such as 30d, 12h, 90m or 3600s/],
    [{ inject: 1 }, /"inject" must be true or false, not 1$/],
    [{ swMode: 'bundled' }, /^deploynet\.config\.json: "swMode" must be one of standalone, embed$/],
    [{ signalToken: 'short' }, /"signalToken" must be 16 to 128 characters/],
    [{ region: 'EU West' }, /"region" must be 1 to 32 characters of a-z, 0-9 and -/],
    [{ siteDir: '' }, /"siteDir" must be a path \(relative to the config file's folder\), not ""$/],
    [{ keyFile: ['a'] }, /"keyFile" must be a path/],
    [{ signalNode: { port: 70000 } }, /^deploynet\.config\.json: "signalNode\.port" must be an integer from 0 to 65535, not 70000$/],
    [{ signalNode: { logLevel: 'chatty' } }, /"signalNode\.logLevel" must be one of debug, info, warn, error, silent$/],
    [{ signalNode: 'fast' }, /"signalNode" must be an object/],
    [{ signalNode: { siteTokens: ['a'.repeat(20)] } }, /"signalNode\.siteTokens" may hold a secret.*DEPLOYNET_SIGNAL_SITE_TOKENS/],
    [{ signalNode: { redis: 'redis://:pw@h' } }, /"signalNode\.redis" may hold a secret.*DEPLOYNET_SIGNAL_REDIS/],
  ])('refuses %j with one sentence naming the field', (value, message) => {
    const e = errorOf(() => parse(value));
    expect(e.code).toBe('BAD_CONFIG');
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('\n');
  });

  it('refuses unknown fields, suggesting the one a typo meant', () => {
    expect(errorOf(() => parse({ chunksize: 65536 })).message).toBe('deploynet.config.json: "chunksize" is not a DeployNet setting; did you mean "chunkSize"?');
    expect(errorOf(() => parse({ uplod: true })).message).toMatch(/"uplod" is not a DeployNet setting; did you mean "upload"\?/);
    expect(errorOf(() => parse({ colour: 'red' })).message).toMatch(/"colour" is not a DeployNet setting; the fields are siteDir, keyFile/);
    expect(errorOf(() => parse({ signalNode: { prot: 1 } })).message).toMatch(/"signalNode\.prot" is not a DeployNet setting; did you mean "signalNode\.port"\?/);
    expect(errorOf(() => parse({ signalNode: { log: 'x' } })).message).toMatch(/"signalNode\.log" is not a DeployNet setting/);
  });

  it('refuses a file that is not an object', () => {
    expect(errorOf(() => parse([])).message).toMatch(/^deploynet\.config\.json must hold a JSON object of settings/);
    expect(errorOf(() => parse('dist')).code).toBe('BAD_CONFIG');
  });

  it('does not hold relay-only without TURN against the file alone (a flag may add the server)', () => {
    expect(parse({ iceTransportPolicy: 'relay' }).iceTransportPolicy).toBe('relay');
  });
});

describe('readProjectConfig', () => {
  it('reads ./deploynet.config.json, or resolves null when there is none', async () => {
    const dir = await tempDir();
    expect(await readProjectConfig(undefined, { cwd: dir })).toBeNull();
    await writeFile(join(dir, 'deploynet.config.json'), '{ "siteDir": "public" }\n');
    expect(await readProjectConfig(undefined, { cwd: dir })).toEqual({ file: join(dir, 'deploynet.config.json'), siteDir: join(dir, 'public') });
  });

  it('a named file must exist; bad JSON gets its line and column; messages name the file as given', async () => {
    const dir = await tempDir();
    await expect(readProjectConfig('other.json', { cwd: dir })).rejects.toThrow(/^cannot read the config file other\.json: it does not exist$/);
    await mkdir(join(dir, 'conf'));
    await writeFile(join(dir, 'conf/dn.json'), '{\n  "siteDir": "dist",\n}\n');
    const e = await readProjectConfig('conf/dn.json', { cwd: dir }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DeployNetError);
    expect((e as DeployNetError).code).toBe('BAD_CONFIG');
    expect((e as DeployNetError).message).toMatch(/^conf\/dn\.json is not valid JSON \(.* at line 3, column 1\)$/);
    await writeFile(join(dir, 'conf/dn.json'), '{ "chunkSize": 3 }');
    await expect(readProjectConfig(join(dir, 'conf/dn.json'), { cwd: dir })).rejects.toThrow(/^conf\/dn\.json: "chunkSize" must be a power of two/);
  });
});

describe('buildSiteOptionsFromConfig', () => {
  const config = parse({ siteDir: 'dist', keyFile: 'k.key', signal: 'http://127.0.0.1:9000', region: 'eu-west', chunkSize: 65536, inject: true, signalToken: null });

  it('takes the file’s values, and overrides that are set win', () => {
    const o = buildSiteOptionsFromConfig(config, { region: 'us-east', version: 7, inject: undefined, swMode: 'embed' });
    expect(o).toMatchObject({ siteDir: '/work/project/dist', keyFile: '/work/project/k.key', signal: 'http://127.0.0.1:9000', region: 'us-east', chunkSize: 65536, inject: true, version: 7, swMode: 'embed' });
    expect(o.signalToken).toBeUndefined(); // null in the file: none
    expect(buildSiteOptionsFromConfig(config, { siteDir: 'out', signal: null }).signal).toBeNull();
    expect(buildSiteOptionsFromConfig(config, { siteDir: 'out' }).siteDir).toBe('out');
  });

  it('needs a site folder and a key from one side or the other', () => {
    expect(buildSiteOptionsFromConfig(null, { siteDir: 's', keyFile: 'k' })).toMatchObject({ siteDir: 's', keyFile: 'k' });
    expect(errorOf(() => buildSiteOptionsFromConfig(null, { keyFile: 'k' })).message).toBe('no site folder to build: pass one, or set "siteDir" in deploynet.config.json');
    expect(errorOf(() => buildSiteOptionsFromConfig(parse({ siteDir: 'd' }), {})).message).toMatch(/^no private key to sign with: pass one, or set "keyFile" in /);
  });
});
