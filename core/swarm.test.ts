import { describe, expect, it } from 'vitest';
import { MAX_SWARM_ANSWER, parseSwarmJoinRequest, parseSwarmJoinResponse } from './swarm.js';
import { codeOf } from '../test/unit/test-kit.js';


describe('parseSwarmJoinRequest', () => {
  const ok = { v: 1, peerId: 'peer_A-1', token: 'tok-123', keyId: '0123456789abcdef', version: 3, max: 8 };

  it('accepts a valid request, dropping unknown fields', () => {
    expect(parseSwarmJoinRequest({ ...ok, admin: true })).toEqual(ok);
    expect(parseSwarmJoinRequest({ ...ok, max: 0 })).toMatchObject({ max: 0 });
    expect(parseSwarmJoinRequest({ ...ok, max: MAX_SWARM_ANSWER })).toMatchObject({ max: MAX_SWARM_ANSWER });
  });

  it('accepts the optional holds (0 to 1) and region hint, and leaves them out when absent', () => {
    expect(parseSwarmJoinRequest({ ...ok, holds: 0.25, region: 'eu-west' })).toEqual({ ...ok, holds: 0.25, region: 'eu-west' });
    expect(parseSwarmJoinRequest({ ...ok, holds: 0 })).toEqual({ ...ok, holds: 0 });
    expect(parseSwarmJoinRequest({ ...ok, holds: 1, region: 'x'.repeat(32) })).toMatchObject({ holds: 1, region: 'x'.repeat(32) });
    expect(parseSwarmJoinRequest(ok)).not.toHaveProperty('holds');
    expect(parseSwarmJoinRequest(ok)).not.toHaveProperty('region');
  });

  it.each([
    ['not an object', 'join'],
    ['null', null],
    ['an array', [ok]],
    ['v 2', { ...ok, v: 2 }],
    ['a missing v', { ...ok, v: undefined }],
    ['a missing peerId', { ...ok, peerId: undefined }],
    ['a peerId with a slash', { ...ok, peerId: 'a/b' }],
    ['an empty peerId', { ...ok, peerId: '' }],
    ['a peerId over 64 characters', { ...ok, peerId: 'p'.repeat(65) }],
    ['a numeric token', { ...ok, token: 123 }],
    ['a token over 128 characters', { ...ok, token: 't'.repeat(129) }],
    ['an uppercase keyId', { ...ok, keyId: '0123456789ABCDEF' }],
    ['a version of 0', { ...ok, version: 0 }],
    ['a fractional version', { ...ok, version: 1.5 }],
    ['a max over the cap', { ...ok, max: MAX_SWARM_ANSWER + 1 }],
    ['a negative max', { ...ok, max: -1 }],
    ['holds above 1', { ...ok, holds: 1.01 }],
    ['negative holds', { ...ok, holds: -0.1 }],
    ['holds as a string', { ...ok, holds: '0.5' }],
    ['holds NaN', { ...ok, holds: Number.NaN }],
    ['holds null', { ...ok, holds: null }],
    ['an uppercase region', { ...ok, region: 'EU-West' }],
    ['an empty region', { ...ok, region: '' }],
    ['a region over 32 characters', { ...ok, region: 'x'.repeat(33) }],
    ['a region with a space', { ...ok, region: 'eu west' }],
    ['a numeric region', { ...ok, region: 1 }],
  ])('refuses %s with SIGNAL_BAD_REQUEST', (_name, body) => {
    expect(codeOf(() => parseSwarmJoinRequest(body))).toBe('SIGNAL_BAD_REQUEST');
  });
});

describe('parseSwarmJoinResponse', () => {
  it('accepts a list of peer ids', () => {
    expect(parseSwarmJoinResponse({ v: 1, peers: ['a', 'b_2'] })).toEqual({ v: 1, peers: ['a', 'b_2'] });
    expect(parseSwarmJoinResponse({ v: 1, peers: [] })).toEqual({ v: 1, peers: [] });
  });

  it('accepts exactly the cap', () => {
    const peers = Array.from({ length: MAX_SWARM_ANSWER }, (_, i) => `p${i}`);
    expect(parseSwarmJoinResponse({ peers }).peers).toHaveLength(MAX_SWARM_ANSWER);
  });

  it.each([
    ['null', null],
    ['missing peers', { v: 1 }],
    ['peers as a string', { peers: 'a,b' }],
    ['more peers than the cap', { peers: Array.from({ length: MAX_SWARM_ANSWER + 1 }, (_, i) => `p${i}`) }],
    ['a peer id with a space', { peers: ['a b'] }],
    ['a numeric peer id', { peers: [1] }],
  ])('refuses %s with SIGNAL_BAD_REQUEST', (_name, body) => {
    expect(codeOf(() => parseSwarmJoinResponse(body))).toBe('SIGNAL_BAD_REQUEST');
  });
});
