/** Allowed origins and site tokens on a real node, over WebSocket and HTTP. */
import { afterEach, describe, expect, it } from 'vitest';
import { PEERJS_KEY, SWARM_JOIN_PATH } from '../core/swarm.js';
import type { BucketClock } from '../core/token-bucket.js';
import type { SignalLogEntry } from './signal-log.js';
import { ORIGIN_A, ORIGIN_B, SignalKit, answeredPeers, joinBody, postJoin, randomId, refusalOf } from './test-kit.js';

const kit = new SignalKit();
afterEach(() => kit.cleanup());

const SITE_TOKEN = 'site-a-token-9f3c1e7b5d';
const frozen: BucketClock = { now: () => 0, sleep: () => new Promise(() => {}) };

function socketFrom(node: Awaited<ReturnType<SignalKit['node']>>, origin: string | undefined, key = PEERJS_KEY) {
  return kit.socket(node, { key, id: randomId('p'), token: 't0k' }, undefined, origin === undefined ? {} : { origin });
}

describe('allowed origins', () => {
  it('WebSocket: a listed Origin opens; another, or none, is refused with SIGNAL_ORIGIN_REFUSED (4403)', async () => {
    const node = await kit.node({ allowedOrigins: [ORIGIN_A] });
    await kit.peer(node, { origin: ORIGIN_A });
    for (const origin of [ORIGIN_B, undefined, 'null']) {
      const refusal = await refusalOf(socketFrom(node, origin));
      expect(refusal.message).toMatchObject({ type: 'ERROR', payload: { msg: expect.stringMatching(/^SIGNAL_ORIGIN_REFUSED: /) } });
      expect(refusal).toMatchObject({ code: 4403, reason: 'SIGNAL_ORIGIN_REFUSED' });
    }
    expect(node.stats().peers).toBe(1);
  });

  it('HTTP: the join route and PeerServer routes answer other origins 403 SIGNAL_ORIGIN_REFUSED, without CORS headers', async () => {
    const node = await kit.node({ allowedOrigins: [ORIGIN_A] });
    const a = await kit.peer(node, { origin: ORIGIN_A });
    expect(answeredPeers(await postJoin(node, joinBody(a), ORIGIN_A))).toEqual([]);

    for (const origin of [ORIGIN_B, null]) {
      const refused = await postJoin(node, joinBody(a), origin);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'SIGNAL_ORIGIN_REFUSED' } });
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
    const preflight = (origin: string) =>
      fetch(`${node.url}${SWARM_JOIN_PATH}`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    expect((await preflight(ORIGIN_B)).status).toBe(403);
    const allowed = await preflight(ORIGIN_A);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN_A);

    const id = (origin: string) => fetch(`${node.url}/peerjs/${PEERJS_KEY}/id`, { headers: { Origin: origin } });
    const idRefused = await id(ORIGIN_B);
    expect(idRefused.status).toBe(403);
    expect(await idRefused.json()).toMatchObject({ error: { code: 'SIGNAL_ORIGIN_REFUSED' } });
    const idAllowed = await id(ORIGIN_A);
    expect(idAllowed.status).toBe(200);
    expect(idAllowed.headers.get('access-control-allow-origin')).toBe(ORIGIN_A);
  });

  it('a malformed Origin is 400 SIGNAL_BAD_REQUEST', async () => {
    const node = await kit.node({ allowedOrigins: [ORIGIN_A] });
    const answer = await postJoin(node, { v: 1 }, 'bad origin with spaces');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'SIGNAL_BAD_REQUEST' } });
  });

  it('by default every origin, and none, may use the node (a dev node)', async () => {
    const node = await kit.node();
    await kit.peer(node, { origin: 'https://anything.example' });
    await kit.peer(node);
  });
});

describe('site tokens', () => {
  it('a PeerJS key that is a site token opens; a missing or wrong one is refused with SIGNAL_SITE_TOKEN_INVALID (4401)', async () => {
    const entries: SignalLogEntry[] = [];
    const node = await kit.node({ siteTokens: [SITE_TOKEN], log: (e) => entries.push(e), logLevel: 'debug' });
    const a = await kit.peer(node, { key: SITE_TOKEN });
    for (const key of [PEERJS_KEY, `${SITE_TOKEN}x`, SITE_TOKEN.slice(0, -1)]) {
      const refusal = await refusalOf(socketFrom(node, undefined, key));
      expect(refusal.message).toMatchObject({ type: 'ERROR', payload: { msg: expect.stringMatching(/^SIGNAL_SITE_TOKEN_INVALID: /) } });
      expect(refusal).toMatchObject({ code: 4401, reason: 'SIGNAL_SITE_TOKEN_INVALID' });
    }
    // the swarm route needs no site token of its own: only a peer the gate admitted owns an id
    expect(answeredPeers(await postJoin(node, joinBody(a)))).toEqual([]);
    // a hijack with the right site token is still an id hijack
    const thief = kit.socket(node, { key: SITE_TOKEN, id: a.id, token: 'another' });
    expect(await refusalOf(thief)).toMatchObject({ code: 4409, reason: 'SIGNAL_ID_TAKEN' });
    const logged = JSON.stringify(entries);
    expect(logged).toContain('peer-refused');
    expect(logged).not.toContain(SITE_TOKEN.slice(0, 12));
    expect(logged).not.toContain(a.token);
  });
});

describe('HTTP rate per address', () => {
  it('the join route answers an address out of tokens 429 SIGNAL_RATE_LIMITED with Retry-After and CORS headers', async () => {
    const node = await kit.node({ trustProxy: 1, messageBurst: 3, messageRate: 1, clock: frozen });
    const from = { 'X-Forwarded-For': '198.51.100.9' };
    const a = await kit.peer(node, { forwardedFor: '198.51.100.9' }); // 1 token
    expect((await postJoin(node, joinBody(a), ORIGIN_A, 'application/json', from)).status).toBe(200);
    expect((await postJoin(node, joinBody(a), ORIGIN_A, 'application/json', from)).status).toBe(200);
    const limited = await postJoin(node, joinBody(a), ORIGIN_A, 'application/json', from);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'SIGNAL_RATE_LIMITED' } });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('access-control-allow-origin')).toBe(ORIGIN_A);
    // another address is not affected
    const b = await kit.peer(node, { forwardedFor: '198.51.100.10' });
    expect((await postJoin(node, joinBody(b), ORIGIN_A, 'application/json', { 'X-Forwarded-For': '198.51.100.10' })).status).toBe(200);
  });
});
