/**
 * A load generator for bench:signal: many WebSocket clients speaking PeerServer's protocol the way
 * the PeerJS 1.5 client does (the signaling side only; no WebRTC). It runs inside a load process
 * (load-process.ts), several of which share the work:
 *
 *   connect   ws://HOST/…/peerjs?key=KEY&id=ID&token=TOKEN&version=1.5.5 (an Origin header, as a
 *             browser sends), then wait for {"type":"OPEN"}; an ERROR or a close first fails
 *   heartbeat {"type":"HEARTBEAT"} every 5 s from OPEN on (PeerJS's pingInterval)
 *   join      with a join URL (a DeployNet node), POST /swarm/v1/join after OPEN, as the page does
 *   send      {"type":"OFFER","dst":ID,"payload":{sdp,type,connectionId,…}} on a schedule; the
 *             payload carries the send time on the machine's monotonic clock (clockMs, the same
 *             in every process), so the receiving client, whichever process holds it, measures
 *             one-way relay latency
 *
 * Every message a client receives is parsed as PeerJS parses it; types other than OPEN and the
 * bench's own OFFERs (EXPIRE, ERROR, LEAVE…) are counted, for the report.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { SWARM_JOIN_PATH, type SwarmJoinRequest } from '../../core/swarm.js';

/** PeerJS's default heartbeat interval. */
export const HEARTBEAT_MS = 5000;
const PEERJS_VERSION = '1.5.5';
const OPEN_TIMEOUT_MS = 30_000;

/** Milliseconds on CLOCK_MONOTONIC: one clock for every process on the machine. */
export const clockMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface Endpoint {
  /** PeerServer's WebSocket URL without a query. */
  readonly wsUrl: string;
  readonly key: string;
  /** Base URL of a DeployNet node: each client joins a swarm there after OPEN. */
  readonly joinBase?: string;
}

export interface ConnectOptions {
  /** Connections being opened at once. */
  readonly concurrency: number;
  /** The Origin header of the WebSocket and the join (the swarm's site). */
  readonly origin: string;
  /** How many swarms (key ids) the clients are spread over, when they join. */
  readonly swarms: number;
}

/** One OFFER to send: its number in the run, the sending client's id (held by this load), the destination id. */
export type Send = readonly [seq: number, from: string, dst: string];

export interface Schedule {
  readonly run: number;
  /** clockMs at which message 0 is due; message `seq` is due `seq * 1000 / perSecond` ms later. */
  readonly startMs: number;
  readonly perSecond: number;
  readonly sends: readonly Send[];
}

/** One OFFER received: its number, one-way latency in ms, the src PeerServer stamped, the receiving client's id. */
export type Received = readonly [seq: number, latencyMs: number, src: string, receiver: string];

/** An SDP offer of a PeerJS data connection, about the size a browser sends (~650 bytes). */
const SDP = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed',
  'a=msid-semantic: WMS', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:bW9k', 'a=ice-pwd:Yl5p7Hd6uL1n0F2mJq8sXc4e', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 8A:3F:21:9C:5E:77:0B:D4:6A:1E:F2:93:4C:88:B5:07:6D:E1:29:3A:C4:5F:90:0E:B7:12:68:D3:4A:9F:E5:21',
  'a=setup:actpass', 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
].join('\r\n');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bench's mark in an OFFER payload: which run, which message, when it was sent (clockMs). */
function markOf(payload: unknown): { run: number; seq: number; t: number } | undefined {
  if (!isRecord(payload) || !isRecord(payload.bench)) return undefined;
  const { run, seq, t } = payload.bench;
  return typeof run === 'number' && typeof seq === 'number' && typeof t === 'number' ? { run, seq, t } : undefined;
}

interface LoadPeer {
  readonly id: string;
  readonly token: string;
  readonly ws: WebSocket;
}

export class PeerLoad {
  /** Open clients by id. */
  readonly #peers = new Map<string, LoadPeer>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Messages other than OPEN and the bench's OFFERs, by type. */
  readonly other = new Map<string, number>();
  readonly #received = new Map<number, Received[]>();

  get size(): number {
    return this.#peers.size;
  }

  /** Opens `count` more clients, `concurrency` at a time; fails with the first refusal. Returns their ids. */
  async connect(endpoint: Endpoint, count: number, options: ConnectOptions): Promise<string[]> {
    const opened: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const swarm = (this.#peers.size + next++) % options.swarms;
        opened.push((await this.#open(endpoint, options, swarm)).id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
    return opened;
  }

  #open(endpoint: Endpoint, options: ConnectOptions, swarm: number): Promise<LoadPeer> {
    const id = randomUUID();
    // PeerJS's token: Math.random().toString(36).slice(2), about 11 characters.
    const token = randomBytes(6).toString('hex');
    const query = new URLSearchParams({ key: endpoint.key, id, token, version: PEERJS_VERSION });
    const ws = new WebSocket(`${endpoint.wsUrl}?${query.toString()}`, { origin: options.origin });
    const peer: LoadPeer = { id, token, ws };
    return new Promise<LoadPeer>((resolve, reject) => {
      let open = false;
      const fail = (why: string): void => {
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`a client was not admitted: ${why}`));
      };
      const timer = setTimeout(() => fail(`no OPEN within ${OPEN_TIMEOUT_MS} ms`), OPEN_TIMEOUT_MS);
      const onError = (error: Error): void => fail(error.message);
      const onClose = (code: number, reason: Buffer): void => fail(`closed ${code} ${reason.toString()}`);
      ws.on('error', onError);
      ws.once('close', onClose);
      ws.on('message', (data) => {
        let message: unknown;
        try {
          message = JSON.parse(String(data));
        } catch {
          this.#count('(not JSON)');
          return;
        }
        if (!isRecord(message)) return;
        if (message.type === 'OFFER') {
          this.#offer(peer, message);
        } else if (message.type === 'OPEN' && !open) {
          open = true;
          clearTimeout(timer);
          ws.off('error', onError);
          ws.off('close', onClose);
          ws.on('error', () => this.#count('(socket error)'));
          ws.once('close', () => this.#count('(closed by the server)'));
          this.#peers.set(id, peer);
          this.#heartbeat(peer);
          if (endpoint.joinBase === undefined) resolve(peer);
          else this.#join(endpoint.joinBase, peer, options.origin, swarm).then(() => resolve(peer), (error: unknown) => fail(String(error)));
        } else if (!open) {
          fail(JSON.stringify(message));
        } else {
          this.#count(String(message.type));
        }
      });
    });
  }

  #count(type: string): void {
    this.other.set(type, (this.other.get(type) ?? 0) + 1);
  }

  #heartbeat(peer: LoadPeer): void {
    const timer = setInterval(() => {
      if (peer.ws.readyState === WebSocket.OPEN) peer.ws.send('{"type":"HEARTBEAT"}');
    }, HEARTBEAT_MS);
    this.#timers.add(timer);
    peer.ws.once('close', () => {
      clearInterval(timer);
      this.#timers.delete(timer);
    });
  }

  async #join(base: string, peer: LoadPeer, origin: string, swarm: number): Promise<void> {
    const body: SwarmJoinRequest = { v: 1, peerId: peer.id, token: peer.token, keyId: swarm.toString(16).padStart(16, '0'), version: 1, max: 8 };
    const post = () => fetch(`${base}${SWARM_JOIN_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin }, body: JSON.stringify(body) });
    // A kept-alive connection the server closes (its keep-alive timeout) just as fetch reuses it
    // fails the request with a network error; a page would retry, so the bench does, once.
    const res = await post().catch(post);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`swarm join answered ${res.status}: ${text}`);
  }

  #offer(peer: LoadPeer, message: Record<string, unknown>): void {
    const now = clockMs();
    const mark = markOf(message.payload);
    const received = mark === undefined ? undefined : this.#received.get(mark.run);
    if (mark === undefined || received === undefined) {
      this.#count('OFFER (not from a run in progress)');
      return;
    }
    received.push([mark.seq, now - mark.t, String(message.src), message.dst === peer.id ? peer.id : `(addressed to ${String(message.dst)})`]);
  }

  /** Starts recording OFFERs of `run` (before any process sends them). */
  expect(run: number): void {
    this.#received.set(run, []);
  }

  /** How many OFFERs of `run` arrived so far. */
  count(run: number): number {
    return this.#received.get(run)?.length ?? 0;
  }

  /** Stops recording `run` and hands over what arrived. */
  collect(run: number): Received[] {
    const received = this.#received.get(run) ?? [];
    this.#received.delete(run);
    return received;
  }

  /** Sends the schedule's OFFERs, each when it is due; resolves when the last is sent. */
  send(schedule: Schedule): Promise<void> {
    const { run, startMs, perSecond, sends } = schedule;
    let next = 0;
    const sendOne = ([seq, from, dst]: Send): void => {
      const peer = this.#peers.get(from);
      if (peer === undefined) throw new Error(`no client ${from} in this load process`);
      const payload = { sdp: { type: 'offer', sdp: SDP }, type: 'data', connectionId: `dc_${run}_${seq}`, label: 'deploynet/1', reliable: true, serialization: 'raw', bench: { run, seq, t: clockMs() } };
      peer.ws.send(JSON.stringify({ type: 'OFFER', dst, payload }));
    };
    return new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = clockMs();
        while (next < sends.length && startMs + (sends[next]![0] * 1000) / perSecond <= now) sendOne(sends[next++]!);
        if (next < sends.length) return;
        clearInterval(timer);
        resolve();
      };
      const timer = setInterval(tick, 1);
    });
  }

  /** Closes every client with a closing handshake and waits until all are closed. */
  async leave(): Promise<void> {
    const peers = [...this.#peers.values()];
    this.#peers.clear();
    await Promise.all(
      peers.map((p) =>
        p.ws.readyState === WebSocket.CLOSED
          ? undefined
          : new Promise<void>((resolve) => {
              p.ws.removeAllListeners('close');
              p.ws.once('close', () => resolve());
              p.ws.close();
            }),
      ),
    );
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
  }
}
