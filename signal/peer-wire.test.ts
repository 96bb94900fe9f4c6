/** Wire compatibility with stock PeerJS clients, over real WebSockets on /peerjs/peerjs. */
import { afterEach, describe, expect, it } from 'vitest';
import { PEERJS_KEY } from '../core/swarm.js';
import { MAX_WS_MESSAGE_BYTES } from './signal-config.js';
import { SignalKit, randomId, refusalOf, until } from './test-kit.js';

const kit = new SignalKit();
afterEach(() => kit.cleanup());

function firstMessage(ws: ReturnType<SignalKit['socket']>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))));
    ws.once('close', () => reject(new Error('closed without a message')));
  });
}

describe('PeerServer on /peerjs', () => {
  it('opens a PeerJS-style socket with {"type":"OPEN"} and counts the peer', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    expect(a.received[0]).toEqual({ type: 'OPEN' });
    expect(node.stats().peers).toBe(1);
  });

  it('relays an OFFER from A to B with src set by the server', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    const payload = { sdp: { type: 'offer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_test', label: 'dc_test', serialization: 'binary', reliable: true };
    a.send({ type: 'OFFER', dst: b.id, payload });
    const offer = await b.next((m) => m.type === 'OFFER');
    expect(offer).toEqual({ type: 'OFFER', src: a.id, dst: b.id, payload });
    b.send({ type: 'ANSWER', dst: a.id, payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_test' } });
    const answer = await a.next((m) => m.type === 'ANSWER');
    expect(answer.src).toBe(b.id);
    a.send({ type: 'CANDIDATE', dst: b.id, payload: { candidate: { candidate: 'c' }, type: 'data', connectionId: 'dc_test' } });
    expect((await b.next((m) => m.type === 'CANDIDATE')).src).toBe(a.id);
  });

  it('does not let a client forge src', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    a.send({ type: 'OFFER', src: 'someone-else', dst: b.id, payload: {} });
    expect((await b.next((m) => m.type === 'OFFER')).src).toBe(a.id);
  });

  it('refuses a taken id with ID-TAKEN SIGNAL_ID_TAKEN, and a node without site tokens takes any key', async () => {
    const node = await kit.node();
    const otherKey = await kit.peer(node, { key: 'peerjs' });
    expect(otherKey.received[0]).toEqual({ type: 'OPEN' });
    const a = await kit.peer(node);
    const thief = kit.socket(node, { key: PEERJS_KEY, id: a.id, token: 'other-token' });
    const refusal = await refusalOf(thief);
    expect(refusal.message).toMatchObject({ type: 'ID-TAKEN', payload: { msg: expect.stringMatching(/^SIGNAL_ID_TAKEN: /) } });
    expect(refusal).toMatchObject({ code: 4409, reason: 'SIGNAL_ID_TAKEN' });
    expect(node.stats().peers).toBe(2);
  });

  it('has no global peer list (discovery is off)', async () => {
    const node = await kit.node();
    await kit.peer(node);
    const res = await fetch(`${node.url}/peerjs/${PEERJS_KEY}/peers`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('peer-');
    const id = await fetch(`${node.url}/peerjs/${PEERJS_KEY}/id`);
    expect(id.status).toBe(200);
    expect(await id.text()).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('does not accept PeerJS WebSockets outside /peerjs/peerjs', async () => {
    const node = await kit.node();
    const ws = kit.socket(node, { key: PEERJS_KEY, id: randomId('x'), token: 't' }, '/peerjs');
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(400);
  });

  it('survives garbage and closes a socket that sends an oversized message', async () => {
    const node = await kit.node();
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    a.ws.send('this is not JSON');
    b.ws.send('x'.repeat(MAX_WS_MESSAGE_BYTES + 1));
    expect(await b.closed).toBe(1009);
    await until(() => node.stats().peers === 1, 2000, 'the oversized sender to be dropped');
    const c = await kit.peer(node);
    c.send({ type: 'OFFER', dst: a.id, payload: {} });
    expect((await a.next((m) => m.type === 'OFFER')).src).toBe(c.id);
  });
});
