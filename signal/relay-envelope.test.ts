import { describe, expect, it } from 'vitest';
import { isDeployNetError } from '../core/errors.js';
import { encodeRelayEnvelope, parseRelayEnvelope, peerJsMessage, relayedTarget } from './relay-envelope.js';

const NODE = '0123456789abcdef';
const good = { v: 1, from: NODE, type: 'OFFER', src: 'peer-a', dst: 'peer-b', payload: { sdp: 'x' } };

/** The field a refused envelope names (fails the test when it is accepted). */
function refusedField(text: string, max = 4096): unknown {
  try {
    parseRelayEnvelope(text, max);
  } catch (e) {
    if (!isDeployNetError(e, 'SIGNAL_BAD_REQUEST')) throw e;
    return e.details.field;
  }
  throw new Error('expected SIGNAL_BAD_REQUEST');
}

describe('parseRelayEnvelope', () => {
  it('reads what encodeRelayEnvelope wrote, payload untouched', () => {
    const envelope = parseRelayEnvelope(JSON.stringify(good), 4096);
    expect(envelope).toEqual(good);
    expect(parseRelayEnvelope(encodeRelayEnvelope(envelope), 4096)).toEqual(good);
    expect(peerJsMessage(envelope)).toEqual({ type: 'OFFER', src: 'peer-a', dst: 'peer-b', payload: { sdp: 'x' } });
    const { payload: _, ...bare } = good;
    expect(peerJsMessage(parseRelayEnvelope(JSON.stringify(bare), 4096))).toEqual({ type: 'OFFER', src: 'peer-a', dst: 'peer-b' });
  });

  it('refuses what another node must not send, naming the field', () => {
    expect(refusedField(JSON.stringify(good), 20)).toBe('envelope');
    expect(refusedField('{not json')).toBe('envelope');
    expect(refusedField('[1]')).toBe('envelope');
    expect(refusedField(JSON.stringify({ ...good, v: 2 }))).toBe('v');
    expect(refusedField(JSON.stringify({ ...good, from: 'NODE' }))).toBe('from');
    expect(refusedField(JSON.stringify({ ...good, type: 'OPEN' }))).toBe('type');
    expect(refusedField(JSON.stringify({ ...good, type: 'HEARTBEAT' }))).toBe('type');
    expect(refusedField(JSON.stringify({ ...good, src: '' }))).toBe('src');
    expect(refusedField(JSON.stringify({ ...good, dst: 'a/b' }))).toBe('dst');
    expect(refusedField(JSON.stringify({ ...good, dst: 'x'.repeat(65) }))).toBe('dst');
  });
});

describe('relayedTarget', () => {
  it('names type and destination of messages PeerServer relays, and nothing else', () => {
    expect(relayedTarget(JSON.stringify({ type: 'CANDIDATE', dst: 'peer-b', payload: 1 }))).toEqual({ type: 'CANDIDATE', dst: 'peer-b', payload: 1 });
    expect(relayedTarget(JSON.stringify({ type: 'LEAVE', dst: 'peer-b' }))).toEqual({ type: 'LEAVE', dst: 'peer-b' });
    expect(relayedTarget(JSON.stringify({ type: 'LEAVE' }))).toBeUndefined();
    expect(relayedTarget(JSON.stringify({ type: 'HEARTBEAT' }))).toBeUndefined();
    expect(relayedTarget(JSON.stringify({ type: 'OFFER', dst: '' }))).toBeUndefined();
    expect(relayedTarget('{')).toBeUndefined();
  });
});
