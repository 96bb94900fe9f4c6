/**
 * This visitor on the site's signal node: a PeerJS Peer there (never PeerJS's cloud server; ICE
 * servers only as the site configured), joining the swarm of its manifest version, dialling the
 * members the node names and taking connections from others. When the node goes away, PeerJS
 * reconnects with backoff (same id and token) and the swarm is joined again. Open data
 * connections go to the mesh as FrameChannels; what happens to them is its business.
 *
 * Every join says what this visitor holds (swarm-client.ts heldShare) and the site's or page's
 * region hint; when the holdings grow significantly the swarm is joined again (at most once a
 * minute), which also dials peers the new answer names, as far as there is room.
 */
import { Peer, type DataConnection } from 'peerjs';
import { toBase64Url, type Manifest, type SiteConfig, type SwarmJoinRequest } from '../core/index.js';
import type { FrameChannel } from './frame-channel.js';
import type { Holdings } from './holdings.js';
import { peerOptions } from './mesh-options.js';
import { peerjsChannel } from './peerjs-channel.js';
import { heldShare, joinSwarm, rejoinDelayMs } from './swarm-client.js';

const OPEN_TIMEOUT_MS = 4000;
const DIAL_TIMEOUT_MS = 3000;
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 30_000;
/** The first join waits at most this long for the first look at the cache (holdingsReady). */
const HOLDINGS_WAIT_MS = 1000;

/** Wait before reconnect attempt `n` (0-based): 1 s, 2 s, 4 s, ... at most 30 s. */
export function reconnectDelayMs(n: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(n, 16));
}

export interface SignalSessionOptions {
  readonly config: SiteConfig & { readonly signal: string };
  readonly manifest: Manifest;
  /** PeerJS gave this visitor its id (again after a reconnect: the same one). */
  readonly onId: (id: string) => void;
  /** Whether the node can find peers now: joined (true), or gone or refusing the join (false). */
  readonly onSignalNode: (up: boolean) => void;
  /** An open data connection, dialled or accepted. */
  readonly onChannel: (channel: FrameChannel) => void;
  /** Whether to take a connection from this peer, or to dial it. */
  readonly wants: (peerId: string, how: 'accept' | 'dial') => boolean;
  /** Of the wanted peers a swarm join named, those to dial (peer-selection.ts); default: up to maxPeers. */
  readonly choose?: (candidates: readonly string[]) => readonly string[];
  /** The first attempt is over: joined and dialled, or the node could not be reached. */
  readonly onStartupDone: () => void;
  /** What this visitor holds: said in every join, and joins again when it grows. */
  readonly holdings?: Holdings;
  /** Resolves once this visitor's whole files are known (the first join waits for it, briefly). */
  readonly holdingsReady?: Promise<void>;
}

export class SignalSession {
  private peer: Peer | null = null;
  private reconnects = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** This visitor's id and token while PeerJS is open on the node. */
  private open: { readonly id: string; readonly token: string } | null = null;
  /** `holds` said in the last successful join, and when the last join was sent. */
  private joinedHolds = 0;
  private lastJoinAt = 0;
  /** Joins on their way (a reconnect's join does not wait for a holdings join, or the other way round). */
  private joinsInFlight = 0;
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly options: SignalSessionOptions) {}

  start(): void {
    const { config } = this.options;
    const token = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    const peer = new Peer(peerOptions(config.signal, config, token));
    this.peer = peer;
    let startupDone = false;
    const finishStartup = () => {
      clearTimeout(openTimer);
      if (!startupDone) this.options.onStartupDone();
      startupDone = true;
    };
    const openTimer = setTimeout(finishStartup, OPEN_TIMEOUT_MS);
    peer.on('open', (id) => {
      clearTimeout(openTimer);
      this.reconnects = 0;
      this.open = { id, token };
      this.options.onId(id);
      void this.firstJoin().finally(finishStartup);
    });
    peer.on('connection', (conn) => this.accept(conn));
    peer.on('disconnected', () => {
      this.open = null;
      this.options.onSignalNode(false);
      this.reconnectLater(peer);
    });
    peer.on('error', (error) => {
      if (error.type === 'peer-unavailable') return;
      // While reconnecting, every failed attempt reports 'network': said once, when it went away.
      if (error.type !== 'network' || this.reconnects === 0) console.warn('[deploynet] peer error:', error.type, error.message);
      if (!peer.open) finishStartup();
    });
  }

  stop(): void {
    this.stopped = true;
    this.open = null;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.rejoinTimer);
    this.unsubscribe();
    this.peer?.destroy();
  }

  /** What this visitor holds now, as a join says it. */
  private holds(): number {
    const { holdings, manifest } = this.options;
    return holdings ? heldShare(manifest, holdings.haveFrame().files) : 0;
  }

  /** After PeerJS opened (first time or after a reconnect): join once the cache was looked at. */
  private async firstJoin(): Promise<void> {
    const { holdings, holdingsReady } = this.options;
    if (holdingsReady) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([holdingsReady, new Promise<void>((resolve) => (timer = setTimeout(resolve, HOLDINGS_WAIT_MS)))]);
      clearTimeout(timer);
    }
    if (holdings) {
      this.unsubscribe();
      // Only the whole-file set (null) changes `holds`.
      this.unsubscribe = holdings.onSelfChange((sha256) => sha256 === null && this.considerRejoin());
    }
    await this.joinAndDial();
  }

  /** Joins again, now or when a minute has passed since the last join, if holdings grew enough. */
  private considerRejoin(): void {
    if (this.stopped || this.open === null || this.joinsInFlight > 0 || this.rejoinTimer !== undefined) return;
    const delay = rejoinDelayMs(this.joinedHolds, this.holds(), this.lastJoinAt, Date.now());
    if (delay === null) return;
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = undefined;
      if (!this.stopped && this.joinsInFlight === 0) void this.joinAndDial();
    }, delay);
  }

  private async joinAndDial(): Promise<void> {
    const { config, manifest } = this.options;
    const open = this.open;
    if (open === null) return;
    this.joinsInFlight += 1;
    const holds = this.holds();
    const body: SwarmJoinRequest = {
      v: 1,
      peerId: open.id,
      token: open.token,
      keyId: manifest.keyId,
      version: manifest.version,
      max: config.maxPeers * 2,
      holds,
      ...(config.region !== null && { region: config.region }),
    };
    this.lastJoinAt = Date.now(); // failed joins count too: at most one a minute for holdings
    let peers: readonly string[];
    try {
      peers = await joinSwarm(config.signal, body, OPEN_TIMEOUT_MS);
    } catch (error) {
      console.warn('[deploynet] swarm join failed:', error instanceof Error ? error.message : error);
      this.options.onSignalNode(false);
      return;
    } finally {
      this.joinsInFlight -= 1;
    }
    this.joinedHolds = holds;
    this.options.onSignalNode(true);
    this.considerRejoin(); // holdings that grew while the join was on its way
    const wanted = peers.filter((p) => this.options.wants(p, 'dial'));
    const targets = this.options.choose ? this.options.choose(wanted) : wanted.slice(0, config.maxPeers);
    await Promise.all(targets.map((p) => this.dial(p)));
  }

  private reconnectLater(peer: Peer): void {
    if (this.stopped || peer.destroyed || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped || peer.destroyed || !peer.disconnected) return;
      try {
        peer.reconnect();
      } catch (error) {
        console.warn('[deploynet] reconnect failed:', error instanceof Error ? error.message : error);
      }
    }, reconnectDelayMs(this.reconnects++));
  }

  private dial(peerId: string): Promise<void> {
    const peer = this.peer;
    if (!peer) return Promise.resolve();
    const conn = peer.connect(peerId, { serialization: 'raw', reliable: true, label: 'deploynet/1' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        conn.close();
        resolve();
      }, DIAL_TIMEOUT_MS);
      conn.on('open', () => {
        clearTimeout(timer);
        this.options.onChannel(peerjsChannel(conn));
        resolve();
      });
      conn.on('error', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private accept(conn: DataConnection): void {
    if (!this.options.wants(conn.peer, 'accept')) {
      conn.close();
      return;
    }
    conn.on('open', () => this.options.onChannel(peerjsChannel(conn)));
  }
}
