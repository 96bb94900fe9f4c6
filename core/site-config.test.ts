import { describe, expect, it } from 'vitest';
import { DeployNetError } from './errors.js';
import { MAX_UPLOAD_RATE, SITE_CONFIG_DEFAULTS, hasTurnServer, parseIceServers, peerBudgetMs, parseSignalUrl, resolveSiteConfig, resolveWorkerConfig } from './site-config.js';

const publicKey = 'A'.repeat(43);
const keyId = '0123456789abcdef';
const base = { publicKey, keyId };

/** The code and the field of the DeployNetError `fn` throws. */
function failure(fn: () => unknown): { code: string; field: unknown } {
  try {
    fn();
  } catch (error) {
    if (error instanceof DeployNetError) return { code: error.code, field: error.details.field };
    throw error;
  }
  throw new Error('expected a throw');
}

describe('resolveSiteConfig', () => {
  it('fills in every default', () => {
    expect(resolveSiteConfig(base)).toEqual({ v: 1, publicKey, keyId, ...SITE_CONFIG_DEFAULTS });
    expect(SITE_CONFIG_DEFAULTS).toEqual({
      signal: null,
      iceServers: [],
      firstVisit: 'reload',
      peerTimeoutMs: 2500,
      upload: true,
      maxPeers: 4,
      uploadRateBytesPerSec: 0,
      iceTransportPolicy: 'all',
      signalToken: null,
      region: null,
    });
  });

  it('keeps a region hint', () => {
    expect(resolveSiteConfig({ ...base, region: 'eu-west' }).region).toBe('eu-west');
    expect(resolveSiteConfig({ ...base, region: null }).region).toBeNull();
  });

  it('keeps a site token for the signal node', () => {
    const signalToken = 'abcDEF0123456789_-xyz';
    expect(resolveSiteConfig({ ...base, signalToken }).signalToken).toBe(signalToken);
  });

  it('keeps given values and normalises the signal URL', () => {
    const config = resolveSiteConfig({
      ...base,
      v: 1,
      signal: 'https://signal.example/base/',
      iceServers: [{ urls: ['stun:a', 'turn:b'], username: 'u', credential: 'c' }, { urls: 'stun:c' }],
      firstVisit: 'none',
      peerTimeoutMs: 100,
      upload: false,
      maxPeers: 0,
      uploadRateBytesPerSec: 250_000,
      iceTransportPolicy: 'relay',
      signalToken: 'site-token-0123456789',
      region: 'us-east-1',
    });
    expect(config).toEqual({
      v: 1,
      publicKey,
      keyId,
      signal: 'https://signal.example/base',
      iceServers: [{ urls: ['stun:a', 'turn:b'], username: 'u', credential: 'c' }, { urls: 'stun:c' }],
      firstVisit: 'none',
      peerTimeoutMs: 100,
      upload: false,
      maxPeers: 0,
      uploadRateBytesPerSec: 250_000,
      iceTransportPolicy: 'relay',
      signalToken: 'site-token-0123456789',
      region: 'us-east-1',
    });
  });

  it('treats an undefined field as absent: the default applies', () => {
    expect(resolveSiteConfig({ ...base, signal: undefined, maxPeers: undefined })).toMatchObject({ signal: null, maxPeers: 4 });
  });

  it.each([
    ['publicKey', { publicKey: 'A'.repeat(42) }],
    ['publicKey', { publicKey: `${'A'.repeat(42)}=` }],
    ['publicKey', { publicKey: undefined }],
    ['keyId', { keyId: '0123456789ABCDEF' }],
    ['keyId', { keyId: 'abc' }],
    ['signal', { signal: 'ftp://x' }],
    ['signal', { signal: 42 }],
    ['iceServers', { iceServers: 'stun:a' }],
    ['iceServers', { iceServers: Array.from({ length: 33 }, () => ({ urls: 'stun:a' })) }],
    ['iceServers[0]', { iceServers: ['stun:a'] }],
    ['iceServers[0].urls', { iceServers: [{ urls: 5 }] }],
    ['iceServers[0].urls[1]', { iceServers: [{ urls: ['stun:a', 5] }] }],
    ['iceServers[1].username', { iceServers: [{ urls: 'stun:a' }, { urls: 'turn:b', username: 1 }] }],
    ['iceServers[0].credential', { iceServers: [{ urls: 'turn:b', credential: {} }] }],
    ['firstVisit', { firstVisit: 'always' }],
    ['peerTimeoutMs', { peerTimeoutMs: 99 }],
    ['peerTimeoutMs', { peerTimeoutMs: 60_001 }],
    ['peerTimeoutMs', { peerTimeoutMs: 1000.5 }],
    ['peerTimeoutMs', { peerTimeoutMs: '2500' }],
    ['upload', { upload: 'yes' }],
    ['maxPeers', { maxPeers: -1 }],
    ['maxPeers', { maxPeers: 65 }],
    ['uploadRateBytesPerSec', { uploadRateBytesPerSec: -1 }],
    ['uploadRateBytesPerSec', { uploadRateBytesPerSec: MAX_UPLOAD_RATE + 1 }],
    ['uploadRateBytesPerSec', { uploadRateBytesPerSec: 1000.5 }],
    ['uploadRateBytesPerSec', { uploadRateBytesPerSec: '1000' }],
    ['signalToken', { signalToken: 'too-short' }],
    ['signalToken', { signalToken: 'has spaces in it, sixteen+' }],
    ['signalToken', { signalToken: 'x'.repeat(129) }],
    ['signalToken', { signalToken: 1234567890123456 }],
    ['region', { region: 'EU' }],
    ['region', { region: '' }],
    ['region', { region: 'x'.repeat(33) }],
    ['region', { region: 7 }],
    ['iceTransportPolicy', { iceTransportPolicy: 'none' }],
    ['iceTransportPolicy', { iceTransportPolicy: 'relay' }],
    ['iceTransportPolicy', { iceTransportPolicy: 'relay', iceServers: [] }],
    ['iceTransportPolicy', { iceTransportPolicy: 'relay', iceServers: [{ urls: ['stun:a', 'stuns:b'] }] }],
  ])('refuses a bad %s with BAD_CONFIG naming it', (field, bad) => {
    expect(failure(() => resolveSiteConfig({ ...base, ...bad }))).toEqual({ code: 'BAD_CONFIG', field });
  });

  it('accepts the upload rate bounds: 0 (unlimited) and 10^9', () => {
    expect(resolveSiteConfig({ ...base, uploadRateBytesPerSec: 0 }).uploadRateBytesPerSec).toBe(0);
    expect(resolveSiteConfig({ ...base, uploadRateBytesPerSec: 1e9 }).uploadRateBytesPerSec).toBe(1e9);
    expect(MAX_UPLOAD_RATE).toBe(1e9);
  });

  it('accepts relay-only with a TURN server among the ICE servers, in any form', () => {
    for (const iceServers of [[{ urls: 'turn:t.example:3478', username: 'u', credential: 'c' }], [{ urls: 'stun:s' }, { urls: ['stun:s2', 'TURNS:t.example:5349'] }]]) {
      expect(resolveSiteConfig({ ...base, iceTransportPolicy: 'relay', iceServers }).iceTransportPolicy).toBe('relay');
    }
  });

  it.each([
    ['not an object', 'config'],
    ['null', null],
    ['an array', [base]],
    ['a v other than 1', { ...base, v: 2 }],
  ])('refuses %s with BAD_CONFIG', (_name, value) => {
    expect(failure(() => resolveSiteConfig(value)).code).toBe('BAD_CONFIG');
  });
});

describe('parseIceServers', () => {
  it('keeps urls, username and credential', () => {
    expect(parseIceServers([{ urls: 'turn:t', username: 'u', credential: 'c' }, { urls: ['stun:a'] }])).toEqual([
      { urls: 'turn:t', username: 'u', credential: 'c' },
      { urls: ['stun:a'] },
    ]);
  });

  it('names the field it was given in errors', () => {
    expect(failure(() => parseIceServers([{ urls: 1 }], 'servers.json'))).toEqual({ code: 'BAD_CONFIG', field: 'servers.json[0].urls' });
    expect(failure(() => parseIceServers({ urls: 'stun:a' }, 'servers.json'))).toEqual({ code: 'BAD_CONFIG', field: 'servers.json' });
  });
});

describe('hasTurnServer', () => {
  it.each([
    [[], false],
    [[{ urls: 'stun:a' }], false],
    [[{ urls: ['stun:a', 'stuns:b'] }], false],
    [[{ urls: 'turn:a' }], true],
    [[{ urls: 'turns:a:5349?transport=tcp' }], true],
    [[{ urls: 'stun:a' }, { urls: ['stun:b', 'turn:c'] }], true],
  ])('%j → %s', (servers, expected) => {
    expect(hasTurnServer(servers)).toBe(expected);
  });
});

describe('parseSignalUrl', () => {
  it.each([
    ['http://127.0.0.1:9000', 'http://127.0.0.1:9000'],
    ['http://127.0.0.1:9000/', 'http://127.0.0.1:9000'],
    ['https://signal.example/deploynet/', 'https://signal.example/deploynet'],
    ['https://signal.example/a//', 'https://signal.example/a'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('accepts %s as %s', (input, output) => {
    expect(parseSignalUrl(input)).toBe(output);
  });

  it.each([
    'ftp://signal.example',
    'ws://signal.example',
    'signal.example:9000',
    'http://',
    'http://signal.example/?x=1',
    'http://signal.example?x=1',
    'http://signal.example/#top',
    'http://signal example',
    ' http://signal.example',
    '',
  ])('refuses %j with BAD_CONFIG', (input) => {
    expect(failure(() => parseSignalUrl(input))).toEqual({ code: 'BAD_CONFIG', field: 'signal' });
  });

  it('names the field it was given', () => {
    expect(failure(() => parseSignalUrl('ftp://x', '--signal'))).toEqual({ code: 'BAD_CONFIG', field: '--signal' });
  });
});

describe('peerBudgetMs', () => {
  const config = { peerTimeoutMs: 2500 };

  it('is the peer timeout for an empty file', () => {
    expect(peerBudgetMs(config, 0)).toBe(2500);
  });

  it('adds one millisecond per started 250 bytes (250 kB/s)', () => {
    expect(peerBudgetMs(config, 1)).toBe(2501);
    expect(peerBudgetMs(config, 250)).toBe(2501);
    expect(peerBudgetMs(config, 251)).toBe(2502);
    expect(peerBudgetMs(config, 1_000_000)).toBe(6500);
    expect(peerBudgetMs(config, 5 * 1024 * 1024)).toBe(2500 + 20972);
  });

  it('follows the configured timeout', () => {
    expect(peerBudgetMs({ peerTimeoutMs: 100 }, 2_000_000)).toBe(8100);
  });
});

describe('resolveWorkerConfig (the service worker\'s part of the config)', () => {
  const pick = ({ v, publicKey, keyId, signal, peerTimeoutMs, maxPeers }: ReturnType<typeof resolveSiteConfig>) => ({ v, publicKey, keyId, signal, peerTimeoutMs, maxPeers });

  it.each([
    ['only the key', base],
    ['every worker field set', { ...base, signal: 'http://127.0.0.1:9000', peerTimeoutMs: 100, maxPeers: 0 }],
    ['fields set to undefined', { ...base, signal: undefined, peerTimeoutMs: undefined, maxPeers: undefined }],
    ['a full config', { ...base, v: 1, signal: 'https://signal.example', iceServers: [{ urls: 'turn:t.example' }], iceTransportPolicy: 'relay', region: 'eu-west', maxPeers: 64 }],
  ])('gives what resolveSiteConfig gives for the fields it has: %s', (_name, value) => {
    expect(resolveWorkerConfig(value)).toEqual(pick(resolveSiteConfig(value)));
  });

  it.each([
    ['publicKey', { publicKey: 'A'.repeat(42) }],
    ['keyId', { keyId: 'xyz' }],
    ['signal', { signal: 9000 }],
    ['peerTimeoutMs', { peerTimeoutMs: 99 }],
    ['peerTimeoutMs', { peerTimeoutMs: '2500' }],
    ['maxPeers', { maxPeers: 65 }],
  ])('refuses a bad %s with BAD_CONFIG naming it, as resolveSiteConfig does', (field, bad) => {
    expect(failure(() => resolveWorkerConfig({ ...base, ...bad }))).toEqual({ code: 'BAD_CONFIG', field });
    expect(failure(() => resolveSiteConfig({ ...base, ...bad }))).toEqual({ code: 'BAD_CONFIG', field });
  });

  it('refuses what is not a config, or another config version', () => {
    expect(failure(() => resolveWorkerConfig(null)).code).toBe('BAD_CONFIG');
    expect(failure(() => resolveWorkerConfig([base])).code).toBe('BAD_CONFIG');
    expect(failure(() => resolveWorkerConfig({ ...base, v: 2 })).code).toBe('BAD_CONFIG');
  });

  it('leaves the fields only the page reads (and the signal URL form) to the page script', () => {
    // resolveSiteConfig, which the page script and `deploynet build` run, refuses each of these.
    for (const pageOnly of [{ region: 'EU WEST' }, { iceTransportPolicy: 'relay' }, { upload: 'yes' }, { signal: 'ftp://x' }]) {
      expect(() => resolveSiteConfig({ ...base, ...pageOnly })).toThrow(DeployNetError);
      expect(() => resolveWorkerConfig({ ...base, ...pageOnly })).not.toThrow();
    }
  });
});
