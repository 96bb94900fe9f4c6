/**
 * This visitor's peer links: one PeerLink per open channel, whoever opened it: PeerJS through the
 * signal node (signal-session.ts), or a WebRTC handshake relayed by a linked peer while the node
 * is down (mesh-signaling.ts). Every link gets the same rules: uploads from this visitor's cache,
 * one shared upload bucket when the site sets a rate, and peers that send bad bytes are banned
 * for the session (invariant 6). Every link hears what this visitor holds (have-announcer.ts) and
 * is asked only for what it announced (holdings.ts, swarm-download.ts).
 */
import { partsHasher, type BridgeState, type ByteParts, type CryptoProvider, type DeployNetError, type Manifest, type PartsHash, type SiteConfig } from '../core/index.js';
import type { ContentProvider } from './content-provider.js';
import type { FrameChannel } from './frame-channel.js';
import { HaveAnnouncer } from './have-announcer.js';
import type { Holdings } from './holdings.js';
import { rtcConfiguration, uploadBucket } from './mesh-options.js';
import { MeshSignaling } from './mesh-signaling.js';
import { PeerLink } from './peer-link.js';
import { PeerScores } from './peer-scores.js';
import { selectPeers } from './peer-selection.js';
import { rtcHandshakes } from './rtc-handshake.js';
import { SignalSession } from './signal-session.js';
import { downloadChunks, type DownloadHandle, type DownloadTarget } from './swarm-download.js';
import type { TokenBucket } from './token-bucket.js';

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
  /** What this visitor and its links hold; fed by the SW (chunks-held) and by links' HAVEs. */
  readonly holdings: Holdings;
  /** Resolves once this visitor's whole files are known: links hear HAVE from then on. */
  readonly holdingsReady: Promise<void>;
}

export interface MeshCounters {
  uploadedBytes: number;
  peerFaults: number;
}

export class PeerMesh {
  readonly counters: MeshCounters = { uploadedBytes: 0, peerFaults: 0 };
  /** This visitor's id, kept while the signal node is away (PeerJS forgets it then). */
  private selfId: string | null = null;
  private readonly links = new Map<string, PeerLink>();
  /** When each link opened (peer-selection.ts keeps new links). */
  private readonly linkedAt = new Map<string, number>();
  private readonly banned = new Set<string>();
  private readonly faults = new Map<string, number>();
  /** Speed and failures per peer, learnt across downloads. */
  private readonly scores = new PeerScores();
  /** One for every download: its scratch buffers stay warm between files. */
  private readonly hash: PartsHash;
  private readonly session: SignalSession;
  private readonly signaling: MeshSignaling;
  private startupDone = false;
  private stopped = false;
  private state: BridgeState = 'connecting';
  /** One bucket for all links: the upload limit is per visitor, not per peer. */
  private readonly uploadLimiter: TokenBucket | null;
  private readonly announcer: HaveAnnouncer;

  constructor(private readonly options: MeshOptions) {
    const { config } = options;
    this.uploadLimiter = uploadBucket(config);
    this.hash = partsHasher(options.crypto);
    this.announcer = new HaveAnnouncer(options.holdings, () => this.links);
    void options.holdingsReady.then(() => this.announcer.setReady());
    // Peers dial us too: we take up to twice the links we open.
    const hasRoom = () => this.links.size < config.maxPeers * 2;
    this.signaling = new MeshSignaling({
      host: {
        selfId: () => this.selfId,
        links: () => this.links,
        isBanned: (peerId) => this.banned.has(peerId),
        canAccept: hasRoom,
        adopt: (channel) => this.addLink(channel),
        fault: (peerId, error) => this.fault(peerId, error),
      },
      transport: rtcHandshakes(rtcConfiguration(config)),
      maxPeers: config.maxPeers,
    });
    this.session = new SignalSession({
      config,
      manifest: options.manifest,
      onId: (id) => (this.selfId = id),
      onSignalNode: (up) => this.signaling.setSignalNode(up),
      onChannel: (channel) => this.addLink(channel),
      wants: (peerId, how) => !this.banned.has(peerId) && (how === 'dial' ? !this.links.has(peerId) : hasRoom()),
      choose: (candidates) => this.choose(candidates),
      onStartupDone: () => {
        this.startupDone = true;
        this.updateState();
      },
      holdings: options.holdings,
      holdingsReady: options.holdingsReady,
    });
  }

  get peerId(): string | null {
    return this.selfId;
  }

  get peerCount(): number {
    return this.links.size;
  }

  /** Ids of the peers this visitor has open links to. */
  get linkedPeerIds(): string[] {
    return [...this.links.keys()];
  }

  /** Open links whose holdings (HAVE) have arrived. */
  get announcedCount(): number {
    return this.options.holdings.announcedLinks();
  }

  get bannedCount(): number {
    return this.banned.size;
  }

  start(): void {
    this.session.start();
  }

  /**
   * The wanted chunks of one file from all open links at once (swarm-download.ts); `onChunk` gets
   * each verified chunk as it arrives, `onOrigin` the chunks this visitor should fetch from the
   * origin itself (rendezvous among the file's downloaders). A peer that sends a bad chunk is banned.
   */
  fetchChunks(
    target: DownloadTarget,
    deadline: number,
    onChunk: (index: number, parts: ByteParts, peerId: string) => void,
    onProgress: (received: number) => void,
    onOrigin: (indices: readonly number[]) => void,
    signal: AbortSignal,
  ): DownloadHandle {
    const { holdings } = this.options;
    const { sha256 } = target;
    if (target.chunks.length > 1) {
      // This visitor downloads the file now: say so (a rendezvous member), with the chunks the SW
      // already holds (stored from an earlier download: the ones it does not want).
      const wanted = new Set(target.want);
      holdings.holdChunks(sha256, target.chunks.map((_, i) => i).filter((i) => !wanted.has(i)));
    }
    return downloadChunks({
      target,
      links: () => [...this.links.values()].filter((l) => l.isOpen),
      scores: this.scores,
      crypto: this.options.crypto,
      hash: this.hash,
      idleMs: this.options.config.peerTimeoutMs,
      deadline,
      onChunk,
      onBadChunk: (link) => this.ban(link.peerId),
      onProgress,
      signal,
      holdings: {
        holds: (peerId, index) => holdings.holds(peerId, sha256, index),
        downloaders: () => holdings.downloaders(sha256),
        self: () => this.selfId,
        onChange: (listener) => holdings.onLinkChange(listener),
      },
      ...(target.chunks.length > 1 && { onOrigin }),
    });
  }

  stop(): void {
    this.stopped = true;
    this.announcer.stop();
    this.signaling.stop();
    for (const link of this.links.values()) link.close();
    this.session.stop();
  }

  /**
   * Of the peers a swarm join named, those to dial: up to maxPeers links, preferring peers not
   * seen failing; at capacity, one link that holds nothing this visitor lacks may make way.
   */
  private choose(candidates: readonly string[]): readonly string[] {
    const now = Date.now();
    const failing = (peerId: string) => this.scores.breaker(peerId, now) === 'open';
    const linked = [...this.links.keys()].map((peerId) => ({
      peerId,
      useful: this.options.holdings.usefulTo(peerId),
      failing: failing(peerId),
      linkedAt: this.linkedAt.get(peerId) ?? now,
    }));
    const { dial, drop } = selectPeers({ linked, candidates, cap: this.options.config.maxPeers, failing, now });
    const dropped = drop === null ? undefined : this.links.get(drop);
    if (dropped) {
      this.dropLink(dropped);
      dropped.close();
    }
    return dial;
  }

  /** Makes an open channel a link, whoever opened it: PeerJS, or a relayed handshake. */
  private addLink(channel: FrameChannel): void {
    const peerId = channel.peerId;
    if (this.stopped || this.banned.has(peerId) || this.links.has(peerId)) {
      channel.close();
      return;
    }
    const link: PeerLink = new PeerLink(channel, {
      provider: this.options.provider,
      uploadAllowed: this.options.uploadAllowed,
      maxConcurrentUploads: MAX_CONCURRENT_UPLOADS,
      maxQueuedUploads: MAX_QUEUED_UPLOADS,
      ...(this.uploadLimiter && { uploadLimiter: this.uploadLimiter }),
      onUpload: (n) => (this.counters.uploadedBytes += n),
      onFault: (error) => this.fault(peerId, error),
      onPeers: (frame) => this.signaling.onPeers(link, frame.peers),
      onSignal: (frame) => this.signaling.onSignal(link, frame),
      onHave: (frame) => {
        if (this.links.get(peerId) === link) this.options.holdings.heard(peerId, frame);
      },
    });
    this.links.set(peerId, link);
    this.linkedAt.set(peerId, Date.now());
    channel.onClose(() => this.dropLink(link));
    this.signaling.linkOpened(link);
    this.announcer.linkOpened(link);
    this.updateState();
  }

  /** Forgets a link that closed (or is being closed); idempotent. */
  private dropLink(link: PeerLink): void {
    if (this.links.get(link.peerId) !== link) return;
    this.links.delete(link.peerId);
    this.linkedAt.delete(link.peerId);
    this.options.holdings.forget(link.peerId);
    this.signaling.linkClosed(link.peerId);
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
    const link = this.links.get(peerId);
    if (link) {
      this.dropLink(link);
      link.close();
    }
    this.updateState();
  }

  private updateState(): void {
    const next: BridgeState = this.links.size > 0 ? 'ready' : this.startupDone ? 'no-peers' : 'connecting';
    if (next === this.state) return;
    this.state = next;
    this.options.onState(next);
  }
}
