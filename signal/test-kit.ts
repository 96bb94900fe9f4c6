/**
 * Test kit for signal integration tests (not part of the node; nothing in index.ts imports it): real nodes on port 0 and real WebSockets speaking
 * PeerServer's protocol the way PeerJS does. Everything opened through a kit is closed by
 * `kit.cleanup()`.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { PEERJS_KEY, PEERJS_MOUNT, SWARM_JOIN_PATH, parseSwarmJoinResponse } from '../core/swarm.js';
import { type SignalNode, startSignalNode } from './signal-node.js';
import type { SignalOptions } from './signal-config.js';

export const KEY_A = '0123456789abcdef';
export const KEY_B = 'fedcba9876543210';
export const ORIGIN_A = 'https://site-a.example';
export const ORIGIN_B = 'https://site-b.example';

export function randomId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Polls `condition` until it holds or `ms` pass. */
export async function until(condition: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface TestPeer {
  readonly id: string;
  readonly token: string;
  readonly ws: WebSocket;
  /** Every JSON message received, in order. */
  readonly received: Record<string, unknown>[];
  /** Resolves with the first received message (past or future) matching `match`. */
  next(match: (m: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  send(message: unknown): void;
  /** Closes the socket; resolves with the close code once closed. */
  close(): Promise<number>;
  closed: Promise<number>;
}

/** How a refused WebSocket ended: the one message the node sent, the close code and reason. */
export interface Refusal {
  readonly message: Record<string, unknown> | undefined;
  readonly code: number;
  readonly reason: string;
}

/** Who a test socket claims to be: Origin header, X-Forwarded-For (only a trustProxy node reads it). */
export interface SocketOptions {
  readonly origin?: string;
  readonly forwardedFor?: string;
  /** false: never answers the node's pings, like a socket whose network went away. Default true. */
  readonly autoPong?: boolean;
}

export interface PeerOptions extends SocketOptions {
  readonly id?: string;
  readonly token?: string;
  /** PeerJS key: `deploynet`, or a site token. */
  readonly key?: string;
}

/** Where a node is: a SignalNode, or a node in another process (cluster-test-kit.ts). */
export type NodeAddress = Pick<SignalNode, 'url'>;

export interface JoinAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export class SignalKit {
  readonly #nodes: SignalNode[] = [];
  readonly #sockets: WebSocket[] = [];

  async node(options: SignalOptions = {}): Promise<SignalNode> {
    const node = await startSignalNode({ port: 0, ...options });
    this.#nodes.push(node);
    return node;
  }

  /** Opens a raw WebSocket to the node's PeerServer endpoint with the given query. */
  socket(node: NodeAddress, query: Record<string, string>, path = `${PEERJS_MOUNT}/peerjs`, options: SocketOptions = {}): WebSocket {
    const url = new URL(`${node.url.replace(/^http/, 'ws')}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const ws = new WebSocket(url, {
      ...(options.autoPong === false && { autoPong: false }),
      ...(options.origin !== undefined && { origin: options.origin }),
      ...(options.forwardedFor !== undefined && { headers: { 'X-Forwarded-For': options.forwardedFor } }),
    });
    ws.on('error', () => {}); // asserted through close codes / messages instead
    this.#sockets.push(ws);
    return ws;
  }

  /** Connects as PeerJS does and waits for `{"type":"OPEN"}`. */
  async peer(node: NodeAddress, options: PeerOptions = {}): Promise<TestPeer> {
    const { id = randomId('peer'), token = randomBytes(8).toString('hex'), key = PEERJS_KEY } = options;
    const ws = this.socket(node, { key, id, token }, undefined, options);
    const received: Record<string, unknown>[] = [];
    const waiters = new Set<() => void>();
    ws.on('message', (data) => {
      const parsed: unknown = JSON.parse(String(data));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) received.push({ ...parsed });
      for (const w of waiters) w();
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const next = (match: (m: Record<string, unknown>) => boolean, ms = 2000): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = received.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`peer ${id}: no matching message; got ${JSON.stringify(received)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    await next((m) => m.type === 'OPEN');
    return {
      id,
      token,
      ws,
      received,
      next,
      send: (message) => ws.send(JSON.stringify(message)),
      close: () => {
        ws.close();
        return closed;
      },
      closed,
    };
  }

  async cleanup(): Promise<void> {
    for (const ws of this.#sockets.splice(0)) ws.terminate();
    await Promise.all(this.#nodes.splice(0).map((n) => n.close()));
  }
}

/** Resolves with the first message a socket gets (if any) and how it closes. */
export function refusalOf(ws: WebSocket): Promise<Refusal> {
  return new Promise((resolve) => {
    let message: Record<string, unknown> | undefined;
    ws.once('message', (data) => {
      const parsed: unknown = JSON.parse(String(data));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) message = { ...parsed };
    });
    ws.once('close', (code, reason) => resolve({ message, code, reason: reason.toString() }));
  });
}

/** POSTs a swarm join as a page on `origin` would (origin null: no Origin header). */
export async function postJoin(
  node: NodeAddress,
  body: unknown,
  origin: string | null = ORIGIN_A,
  contentType = 'application/json',
  extraHeaders: Record<string, string> = {},
): Promise<JoinAnswer> {
  const headers: Record<string, string> = { 'Content-Type': contentType, ...extraHeaders };
  if (origin !== null) headers.Origin = origin;
  const res = await fetch(`${node.url}${SWARM_JOIN_PATH}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

/** A well-formed join body for `peer`. */
export function joinBody(peer: Pick<TestPeer, 'id' | 'token'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: 1, peerId: peer.id, token: peer.token, keyId: KEY_A, version: 1, max: 8, ...overrides };
}

/** The peers named in a 200 join answer (fails the test on anything else). */
export function answeredPeers(answer: JoinAnswer): string[] {
  if (answer.status !== 200) throw new Error(`join answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return [...parseSwarmJoinResponse(answer.body).peers];
}
