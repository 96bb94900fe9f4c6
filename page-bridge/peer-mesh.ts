/**
 * This visitor's peer connections: a PeerJS Peer on the site's signal node (never PeerJS's cloud
 * server; ICE servers only as the site configured), the swarm of its manifest version, and one
 * PeerLink per open data connection, dialled or accepted. Peers that send bad bytes are banned
 * for the session (invariant 6). Uploads to all peers share one token bucket when the site sets
 * an upload rate.
 */
import { Peer, type DataConnection } from 'peerjs';
import {
  DeployNetError,
  MAX_PAYLOAD_BYTES,
  PEERJS_KEY,
  PEERJS_MOUNT,
  toBase64Url,
  type BridgeState,
  type CryptoProvider,
  type Manifest,
  type SiteConfig,
} from '../core/index.js';
import type { ContentProvider } from './content-provider.js';
import { PeerLink } from './peer-link.js';
import { PeerScores } from './peer-scores.js';
import { peerjsChannel } from './peerjs-channel.js';
import { downloadChunks, type DownloadHandle, type DownloadTarget } from './swarm-download.js';
import { joinSwarm } from './swarm-client.js';
import { TokenBucket } from './token-bucket.js';

const OPEN_TIMEOUT_MS = 4000;
const DIAL_TIMEOUT_MS = 3000;
const MAX_CONCURRENT_UPLOADS = 16;
const MAX_QUEUED_UPLOADS = 64;
const FAULTS_BEFORE_BAN = 2;

export interface MeshOptions {
  readonly config: SiteConfig & { readonly signal: string };
  readonly manifest: Manifest;
  readonly crypto: CryptoProvider;
  readonly provider: ContentProvider;
  readonly uploadAllowed: () => boolean;
  readonly onState: (state: BridgeState) => void;
}

export interface MeshCounters {
  uploadedBytes: number;
  peerFaults: number;
}

/**
 * The per-visitor upload limit, shared by every link (null: unlimited). The burst is one second
 * of the rate, and never less than one DATA frame.
 */
export function uploadBucket(config: Pick<SiteConfig, 'uploadRateBytesPerSec'>): TokenBucket | null {
  const rate = config.uploadRateBytesPerSec;
  return rate > 0 ? new TokenBucket({ capacity: Math.max(rate, MAX_PAYLOAD_BYTES), ratePerSec: rate }) : null;
}

/**
 * PeerJS client options derived from the signal base URL: every path comes from it. `config` is
 * the RTCConfiguration of every connection: the site's ICE servers only, and its transport policy.
 */
export function peerOptions(signal: string, config: SiteConfig, token: string) {
  const url = new URL(signal);
  const secure = url.protocol === 'https:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    path: `${url.pathname.replace(/\/+$/, '')}${PEERJS_MOUNT}`,
    secure,
    key: PEERJS_KEY,
    token,
    config: {
      iceServers: config.iceServers.map((s) => ({ ...s, urls: typeof s.urls === 'string' ? s.urls : [...s.urls] })),
      // 'relay': only TURN candidates, so peers never learn each other's addresses.
      iceTransportPolicy: config.iceTransportPolicy,
    },
    debug: 0,
  };
}

export class PeerMesh {
  readonly counters: MeshCounters = { uploadedBytes: 0, peerFaults: 0 };
  private peer: Peer | null = null;
  private readonly links = new Map<string, PeerLink>();
  private readonly banned = new Set<string>();
  private readonly faults = new Map<string, number>();
  /** Speed and failures per peer, learnt across downloads. */
  private readonly scores = new PeerScores();
  private startupDone = false;
  private state: BridgeState = 'connecting';
  /** One bucket for all links: the upload limit is per visitor, not per peer. */
  private readonly uploadLimiter: TokenBucket | null;

  constructor(private readonly options: MeshOptions) {
    this.uploadLimiter = uploadBucket(options.config);
  }

  get peerId(): string | null {
    return this.peer?.id ?? null;
  }

  get peerCount(): number {
    return this.links.size;
  }

  get bannedCount(): number {
    return this.banned.size;
  }

  start(): void {
    const token = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    const peer = new Peer(peerOptions(this.options.config.signal, this.options.config, token));
    this.peer = peer;
    const openTimer = setTimeout(() => this.finishStartup(), OPEN_TIMEOUT_MS);
    peer.on('open', (id) => {
      clearTimeout(openTimer);
      void this.joinAndDial(id, token);
    });
    peer.on('connection', (conn) => this.accept(conn));
    peer.on('error', (error) => {
      if (error.type === 'peer-unavailable') return;
      console.warn('[deploynet] peer error:', error.type, error.message);
      if (!this.startupDone && !peer.open) {
        clearTimeout(openTimer);
        this.finishStartup();
      }
    });
  }

  /**
   * The wanted chunks of one file from all open links at once (swarm-download.ts); `onChunk` gets
   * each verified chunk as it arrives. A peer that sends a bad chunk is banned.
   */
  fetchChunks(
    target: DownloadTarget,
    deadline: number,
    onChunk: (index: number, bytes: Uint8Array, peerId: string) => void,
    onProgress: (received: number) => void,
    signal: AbortSignal,
  ): DownloadHandle {
    return downloadChunks({
      target,
      links: () => [...this.links.values()].filter((l) => l.isOpen),
      scores: this.scores,
      crypto: this.options.crypto,
      idleMs: this.options.config.peerTimeoutMs,
      deadline,
      onChunk,
      onBadChunk: (link) => this.ban(link.peerId),
      onProgress,
      signal,
    });
  }

  stop(): void {
    for (const link of this.links.values()) link.close();
    this.peer?.destroy();
  }

  private async joinAndDial(id: string, token: string): Promise<void> {
    const { config, manifest } = this.options;
    try {
      const peers = await joinSwarm(config.signal, { v: 1, peerId: id, token, keyId: manifest.keyId, version: manifest.version, max: config.maxPeers * 2 }, OPEN_TIMEOUT_MS);
      const targets = peers.filter((p) => !this.banned.has(p) && !this.links.has(p)).slice(0, config.maxPeers);
      await Promise.all(targets.map((p) => this.dial(p)));
    } catch (error) {
      console.warn('[deploynet] swarm join failed:', error instanceof Error ? error.message : error);
    }
    this.finishStartup();
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
        this.addLink(conn);
        resolve();
      });
      conn.on('error', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private accept(conn: DataConnection): void {
    if (this.banned.has(conn.peer) || this.links.size >= this.options.config.maxPeers * 2) {
      conn.close();
      return;
    }
    conn.on('open', () => this.addLink(conn));
  }

  private addLink(conn: DataConnection): void {
    if (this.banned.has(conn.peer) || this.links.has(conn.peer)) {
      conn.close();
      return;
    }
    const link = new PeerLink(peerjsChannel(conn), {
      provider: this.options.provider,
      uploadAllowed: this.options.uploadAllowed,
      maxConcurrentUploads: MAX_CONCURRENT_UPLOADS,
      maxQueuedUploads: MAX_QUEUED_UPLOADS,
      ...(this.uploadLimiter && { uploadLimiter: this.uploadLimiter }),
      onUpload: (n) => (this.counters.uploadedBytes += n),
      onFault: (error) => this.fault(conn.peer, error),
    });
    this.links.set(conn.peer, link);
    conn.on('close', () => {
      if (this.links.get(conn.peer) === link) this.links.delete(conn.peer);
      this.updateState();
    });
    this.updateState();
  }

  private fault(peerId: string, error: DeployNetError): void {
    this.counters.peerFaults++;
    const n = (this.faults.get(peerId) ?? 0) + 1;
    this.faults.set(peerId, n);
    console.warn('[deploynet] peer fault:', peerId, error.code);
    if (n >= FAULTS_BEFORE_BAN) this.ban(peerId);
  }

  /** Bad bytes are never an accident on a reliable channel: drop and ban at once. */
  private ban(peerId: string): void {
    if (!this.banned.has(peerId)) this.counters.peerFaults++;
    this.banned.add(peerId);
    this.links.get(peerId)?.close();
    this.links.delete(peerId);
    this.updateState();
  }

  private finishStartup(): void {
    this.startupDone = true;
    this.updateState();
  }

  private updateState(): void {
    const next: BridgeState = this.links.size > 0 ? 'ready' : this.startupDone ? 'no-peers' : 'connecting';
    if (next === this.state) return;
    this.state = next;
    this.options.onState(next);
  }
}
