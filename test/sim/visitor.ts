/**
 * One simulated visitor's page bridge: the shell PeerMesh and SignalSession are in the browser
 * (page-bridge/peer-mesh.ts, signal-session.ts), around the same pure parts: Holdings (who holds
 * what), PeerScores (speed, backoff, breaker), selectPeers (whom to dial), the swarm join
 * (heldShare, rejoinDelayMs), HAVE announcements (HaveAnnouncer, its debounce on simulated
 * time), the shared upload TokenBucket, and bans for bad chunks. The scheduler itself
 * (downloadChunks) is driven from page-load.ts. What this file adds is only what the browser does
 * with sockets: signaling round trips, dials that open or fail, links, frames.
 *
 * A malicious visitor announces the whole site, joins as a full holder, and answers every chunk
 * request with bytes that do not match the manifest.
 */
import { setMaxListeners } from 'node:events';
import { MAX_PAYLOAD_BYTES, type HaveChunksFrame, type HaveFrame } from '../../core/index.js';
import { TokenBucket } from '../../core/token-bucket.js';
import { HAVE_DEBOUNCE_MS, HaveAnnouncer } from '../../page-bridge/have-announcer.js';
import { Holdings } from '../../page-bridge/holdings.js';
import { PeerScores } from '../../page-bridge/peer-scores.js';
import { selectPeers } from '../../page-bridge/peer-selection.js';
import { heldShare, rejoinDelayMs } from '../../page-bridge/swarm-client.js';
import { memberOf } from '../../signal/swarm-selection.js';
import type { SimEvent } from './event-queue.js';
import { pathRtt, type LinkProfile } from './network.js';
import { hashUnit } from './rng.js';
import { linkPair, type PendingRequest, type SimLink } from './sim-link.js';
import { serveChunk } from './uploader.js';
import type { World } from './world.js';

/** As in signal-session.ts. */
const OPEN_TIMEOUT_MS = 4000;
const DIAL_TIMEOUT_MS = 3000;
/** Handshake messages the node relays per dial: OFFER, ANSWER and two ICE candidates each way. */
const HANDSHAKE_MESSAGES = 6;

const NO_LINKS: ReadonlyMap<string, SimLink> = new Map();

export type BridgeState = 'connecting' | 'ready' | 'no-peers';

export class Visitor {
  readonly holdings: Holdings;
  readonly scores = new PeerScores();
  readonly bucket: TokenBucket | null;
  readonly links = new Map<string, SimLink>();
  readonly banned = new Set<string>();
  /** Whole files in Cache Storage. */
  readonly cached = new Set<string>();
  readonly leaving = new AbortController();
  online = true;
  state: BridgeState = 'connecting';
  uploadedBytes = 0;
  private readonly linkedAt = new Map<string, number>();
  private startupDone = false;
  private stateWaiters: Array<() => void> = [];
  private joined = false;
  private joinedHolds = 0;
  private lastJoinAt = -Infinity;
  private joinsInFlight = 0;
  private rejoinTimer: SimEvent | undefined;
  private readonly announcer: HaveAnnouncer;
  /** Uploads answered or waiting (PeerLink's concurrency and queue). */
  uploads = 0;

  constructor(
    readonly world: World,
    readonly id: string,
    readonly node: number,
    readonly profile: LinkProfile,
    readonly malicious: boolean,
    readonly arrivedAt: number,
  ) {
    const { settings, site, clock } = world;
    setMaxListeners(0, this.leaving.signal); // every download of this page listens to it
    this.holdings = new Holdings(site.manifest);
    const rate = settings.uploadRateBytesPerSec;
    // As mesh-options.ts's uploadBucket: a burst of one second of the rate, at least one DATA frame.
    this.bucket = rate > 0 ? new TokenBucket({ capacity: Math.max(rate, MAX_PAYLOAD_BYTES), ratePerSec: rate, clock: clock.bucketClock }) : null;
    // The real announcer, its debounce on simulated time.
    this.announcer = new HaveAnnouncer(this.holdings, () => (this.online ? this.links : NO_LINKS), HAVE_DEBOUNCE_MS, clock.timers);
    // A join says `holds`, the share of whole files: only whole-file changes (null) move it.
    this.holdings.onSelfChange((sha256) => sha256 === null && this.considerRejoin());
  }

  /** One-way delay to the signal node. */
  get signalOneWayMs(): number {
    return this.profile.rttMs / 2 + this.world.settings.signalOneWayMs;
  }

  /** The file is whole in Cache Storage (the SW cached it; scanCache found it). */
  cache(sha256: string): void {
    this.cached.add(sha256);
    this.holdings.holdWhole(sha256);
  }

  /** The page script runs: PeerJS opens, the first join, dials; startup is done when they settle. */
  async startBridge(): Promise<void> {
    const { clock, signal } = this.world;
    const openTimer = clock.schedule(OPEN_TIMEOUT_MS, () => this.finishStartup());
    signal.count(this.node, 'open');
    await clock.sleep(3 * this.signalOneWayMs); // WebSocket upgrade, then OPEN with the id
    if (!this.online) return;
    clock.cancel(openTimer);
    this.announcer.setReady(); // holdingsReady: the cache was looked at
    await this.joinAndDial();
    this.finishStartup();
  }

  /** Resolves when the SW may stop waiting for this page's bridge: it settled, or `until` passed. */
  waitBridge(until: number): Promise<void> {
    if (this.state !== 'connecting' || !this.online || until <= this.world.clock.now()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.world.clock.schedule(until - this.world.clock.now(), resolve);
      this.stateWaiters.push(() => {
        this.world.clock.cancel(timer);
        resolve();
      });
    });
  }

  /** The page went away: links close, the node forgets it, downloads end. */
  depart(): void {
    if (!this.online) return;
    this.online = false;
    this.leaving.abort();
    for (const link of [...this.links.values()]) link.close();
    this.world.clock.cancel(this.rejoinTimer);
    this.announcer.stop();
    this.world.signal.leave(this.node, this.id);
    this.world.online.delete(this.id);
    this.world.metrics.departed(this);
    this.notifyState();
  }

  /** Verified bad bytes from this peer: drop and ban it for the session (peer-mesh.ts). */
  ban(peerId: string): void {
    if (!this.banned.has(peerId)) this.world.metrics.bans++;
    this.banned.add(peerId);
    this.links.get(peerId)?.close();
    this.updateState();
  }

  /** Open links, as PeerMesh.fetchChunks hands them to the scheduler. */
  openLinks(): SimLink[] {
    const out: SimLink[] = [];
    for (const l of this.links.values()) if (l.isOpen) out.push(l);
    return out;
  }

  // --- links ---

  linkClosed(link: SimLink): void {
    if (this.links.get(link.peerId) !== link) return;
    this.links.delete(link.peerId);
    this.linkedAt.delete(link.peerId);
    this.holdings.forget(link.peerId);
    this.updateState();
  }

  /** A HAVE or HAVE_CHUNKS from a link (PeerMesh's onHave). */
  heard(link: SimLink, frame: HaveFrame | HaveChunksFrame): void {
    if (this.links.get(link.peerId) === link) this.holdings.heard(link.peerId, frame);
  }

  /** Would this visitor take a channel from `peerId` now? (SignalSession's wants(…, 'accept')) */
  accepts(peerId: string): boolean {
    return this.online && !this.banned.has(peerId) && !this.links.has(peerId) && this.links.size < this.world.settings.maxPeers * 2;
  }

  private addLink(link: SimLink): void {
    if (!this.online || this.banned.has(link.peerId) || this.links.has(link.peerId)) return link.close();
    this.links.set(link.peerId, link);
    this.linkedAt.set(link.peerId, this.world.clock.now());
    this.announcer.linkOpened(link);
    this.updateState();
  }

  /** A chunk request from `link`'s remote side has arrived here (uploader.ts). */
  serve(link: SimLink, sha256: string, start: number, end: number, request: PendingRequest): void {
    serveChunk(this, link, sha256, start, end, request);
  }

  // --- signaling (SignalSession) ---

  private async joinAndDial(): Promise<void> {
    const { clock, signal, settings, site } = this.world;
    if (!this.online) return;
    this.joinsInFlight++;
    const holds = this.malicious ? 1 : heldShare(site.manifest, this.holdings.haveFrame().files);
    this.lastJoinAt = clock.now();
    await clock.sleep(this.signalOneWayMs);
    if (!this.online) return;
    const peers = signal.join(this.node, memberOf(this.id, holds, undefined), settings.maxPeers * 2);
    await clock.sleep(this.signalOneWayMs);
    this.joinsInFlight--;
    if (!this.online) return;
    this.joined = true;
    this.joinedHolds = holds;
    this.considerRejoin();
    const wanted = peers.filter((p) => !this.banned.has(p) && !this.links.has(p));
    await Promise.all(this.choose(wanted).map((p) => this.dial(p)));
  }

  /** PeerMesh.choose: selectPeers over this visitor's links; at capacity one useless link may go. */
  private choose(candidates: readonly string[]): readonly string[] {
    const now = this.world.clock.now();
    const failing = (peerId: string) => this.scores.breaker(peerId, now) === 'open';
    const linked = [...this.links.keys()].map((peerId) => ({ peerId, useful: this.holdings.usefulTo(peerId), failing: failing(peerId), linkedAt: this.linkedAt.get(peerId) ?? now }));
    const { dial, drop } = selectPeers({ linked, candidates, cap: this.world.settings.maxPeers, failing, now });
    if (drop !== null) this.links.get(drop)?.close();
    return dial;
  }

  private async dial(peerId: string): Promise<void> {
    const { clock, signal, settings, metrics, seed } = this.world;
    const remote = this.world.online.get(peerId);
    if (!remote) {
      await clock.sleep(2 * this.signalOneWayMs); // the node answers: no such peer
      return;
    }
    signal.relay(this.node, remote.node, HANDSHAKE_MESSAGES);
    const pair = this.id < peerId ? `${this.id}|${peerId}` : `${peerId}|${this.id}`;
    if (hashUnit(pair, seed) < settings.failedConnectionShare) {
      metrics.dials.failed++;
      await clock.sleep(DIAL_TIMEOUT_MS);
      return;
    }
    const rtt = pathRtt(this.profile, remote.profile);
    await clock.sleep(2 * (this.signalOneWayMs + remote.signalOneWayMs) + 3 * rtt);
    if (!this.online || !remote.accepts(this.id) || this.banned.has(peerId) || this.links.has(peerId)) {
      metrics.dials.refused++;
      return;
    }
    metrics.dials.opened++;
    const [mine, theirs] = linkPair(this, remote, rtt / 2);
    remote.addLink(theirs);
    this.addLink(mine);
  }

  /** Joins again when holdings grew enough, at most once a minute (swarm-client.ts). */
  private considerRejoin(): void {
    if (!this.online || !this.joined || this.joinsInFlight > 0 || this.rejoinTimer !== undefined) return;
    const { clock, site } = this.world;
    const delay = rejoinDelayMs(this.joinedHolds, heldShare(site.manifest, this.holdings.haveFrame().files), this.lastJoinAt, clock.now());
    if (delay === null) return;
    this.rejoinTimer = clock.schedule(delay, () => {
      this.rejoinTimer = undefined;
      if (this.online && this.joinsInFlight === 0) void this.joinAndDial();
    });
  }

  private finishStartup(): void {
    if (this.startupDone) return;
    this.startupDone = true;
    this.updateState();
  }

  private updateState(): void {
    const next: BridgeState = this.links.size > 0 ? 'ready' : this.startupDone ? 'no-peers' : 'connecting';
    if (next === this.state) return;
    this.state = next;
    this.notifyState();
  }

  private notifyState(): void {
    const waiters = this.stateWaiters;
    this.stateWaiters = [];
    for (const w of waiters) w();
  }
}
