import { describe, expect, it } from 'vitest';
import { type ErrorCode, isDeployNetError } from '../core/errors.js';
import type { BucketClock } from '../core/token-bucket.js';
import { MemoryAddressLimits } from './address-limits.js';
import { type AdmissionDeps, type UpgradeRequest, admitPeer, parsePeerQuery } from './peer-admission.js';

const frozen: BucketClock = { now: () => 0, sleep: () => new Promise(() => {}) };
const SITE_TOKEN = 'site-token-0123456789';
const URL_OK = '/peerjs/peerjs?key=deploynet&id=peer-1&token=tok&version=1.5.5';

function deps(overrides: Partial<AdmissionDeps> = {}, config: Partial<AdmissionDeps['config']> = {}): AdmissionDeps {
  return {
    config: { allowedOrigins: '*', siteTokens: [], maxPeers: 10, ...config },
    limits: new MemoryAddressLimits({ maxConnectionsPerAddress: 2, messageRate: 1, messageBurst: 5, clock: frozen }),
    clients: { takenByOther: () => false },
    draining: () => false,
    openSockets: () => 0,
    ...overrides,
  };
}

function refusal(request: Partial<UpgradeRequest>, d: AdmissionDeps): ErrorCode | 'admitted' {
  try {
    admitPeer({ url: URL_OK, origin: undefined, address: '192.0.2.1', ...request }, d);
    return 'admitted';
  } catch (e) {
    if (isDeployNetError(e)) return e.code;
    throw e;
  }
}

describe('parsePeerQuery', () => {
  it('reads id, token and key as PeerJS sends them', () => {
    expect(parsePeerQuery(URL_OK)).toEqual({ id: 'peer-1', token: 'tok', key: 'deploynet' });
    expect(parsePeerQuery('/peerjs/peerjs?key=k&id=a%20b&token=t')).toMatchObject({ id: 'a b' });
    expect(parsePeerQuery('/peerjs/peerjs?key=k&id=8a2c51f4-9f5b-4c63-a9d4-2d1e5b0d9f10&token=t').id).toHaveLength(36);
  });

  it.each([
    ['no query', '/peerjs/peerjs'],
    ['a missing token', '/peerjs/peerjs?key=k&id=a'],
    ['an empty id', '/peerjs/peerjs?key=k&id=&token=t'],
    ['a duplicated key', '/peerjs/peerjs?key=k&id=a&token=t&key=other'],
    ['an id PeerJS would refuse', '/peerjs/peerjs?key=k&id=-a&token=t'],
    ['an id over 64 characters', `/peerjs/peerjs?key=k&id=${'a'.repeat(65)}&token=t`],
    ['a token with odd characters', '/peerjs/peerjs?key=k&id=a&token=t%22'],
  ])('refuses %s with SIGNAL_BAD_REQUEST', (_name, url) => {
    expect(() => parsePeerQuery(url)).toThrow(expect.objectContaining({ code: 'SIGNAL_BAD_REQUEST' }));
  });
});

describe('admitPeer', () => {
  it('admits a well-formed request and counts its connection', () => {
    const d = deps();
    expect(refusal({}, d)).toBe('admitted');
    expect(refusal({}, d)).toBe('admitted');
    expect(refusal({}, d)).toBe('SIGNAL_TOO_MANY_CONNECTIONS');
    d.limits.disconnected('192.0.2.1');
    expect(refusal({}, d)).toBe('admitted');
  });

  it('refuses with the first failing check, in order', () => {
    expect(refusal({}, deps({ draining: () => true }))).toBe('SIGNAL_SHUTTING_DOWN');
    expect(refusal({ origin: 'https://b.example' }, deps({}, { allowedOrigins: ['https://a.example'] }))).toBe('SIGNAL_ORIGIN_REFUSED');
    expect(refusal({ origin: undefined }, deps({}, { allowedOrigins: ['https://a.example'] }))).toBe('SIGNAL_ORIGIN_REFUSED');
    expect(refusal({ origin: 'https://a.example' }, deps({}, { allowedOrigins: ['https://a.example'] }))).toBe('admitted');
    expect(refusal({ url: '/peerjs/peerjs?id=a' }, deps())).toBe('SIGNAL_BAD_REQUEST');
    expect(refusal({}, deps({ openSockets: () => 10 }))).toBe('SIGNAL_NODE_FULL');
    expect(refusal({}, deps({ clients: { takenByOther: () => true } }))).toBe('SIGNAL_ID_TAKEN');
    // a refused origin still paid its token: a flood of refused attempts is rate limited too
    const d = deps({}, { allowedOrigins: ['https://a.example'] });
    for (let i = 0; i < 5; i++) expect(refusal({ origin: 'https://evil.example' }, d)).toBe('SIGNAL_ORIGIN_REFUSED');
    expect(refusal({ origin: 'https://evil.example' }, d)).toBe('SIGNAL_RATE_LIMITED');
  });

  it('with site tokens, the key must be one of them; without, it is not checked', () => {
    const withTokens = deps({}, { siteTokens: [SITE_TOKEN, `${SITE_TOKEN}-b`] });
    expect(refusal({}, withTokens)).toBe('SIGNAL_SITE_TOKEN_INVALID'); // key=deploynet: no token
    expect(refusal({ url: `/peerjs/peerjs?key=${SITE_TOKEN}x&id=a&token=t` }, withTokens)).toBe('SIGNAL_SITE_TOKEN_INVALID');
    expect(refusal({ url: `/peerjs/peerjs?key=${SITE_TOKEN}-b&id=a&token=t` }, withTokens)).toBe('admitted');
    expect(refusal({ url: `/peerjs/peerjs?key=${SITE_TOKEN}&id=a&token=t` }, deps())).toBe('admitted');
  });
});
