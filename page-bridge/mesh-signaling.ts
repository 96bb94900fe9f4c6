/**
 * Signaling through the mesh: while the signal node is down, visitors already in the swarm keep
 * finding each other. Links tell each other whom they are linked to (peer-exchange.ts); a visitor
 * with room for more links dials those peers with a WebRTC handshake whose messages one linked
 * peer relays (SIGNAL frames, relay rule in signal-relay.ts). The handshake itself is a
 * HandshakeTransport (rtc-handshake.ts in the page, an in-memory fake in tests), and the channel
 * it opens becomes a link like any other: the same uploads, limits, faults and bans.
 *
 * Limits: every link may make this visitor handle SIGNAL_BURST frames at once, refilled at
 * SIGNAL_PER_SECOND; at most MAX_HANDSHAKES handshakes at a time, MAX_ANSWERS_PER_RELAY of them
 * answered through any one relay; each has a deadline; a failed dial waits RETRY_MS.
 */
import { DeployNetError, type SignalFrame, type SignalKind } from '../core/index.js';
import type { FrameChannel } from './frame-channel.js';
import { PeerExchange } from './peer-exchange.js';
import type { PeerLink } from './peer-link.js';
import { MessageBudget, routeSignal } from './signal-relay.js';

export const HANDSHAKE_TIMEOUT_MS = 8000;
export const RETRY_MS = 10_000;
export const MAX_HANDSHAKES = 4;
export const MAX_ANSWERS_PER_RELAY = 2;
export const SIGNAL_BURST = 40;
export const SIGNAL_PER_SECOND = 20;

/** One WebRTC handshake with one peer, whoever carries its messages. */
export interface Handshake {
  /** The other side's next message; throws FRAME_MALFORMED when its data is not what `kind` needs. */
  receive(kind: SignalKind, data: string): void;
  /** The open channel, or a rejection when the handshake fails. */
  readonly channel: Promise<FrameChannel>;
  /** Gives up: closes what was opened; `channel` rejects unless it already resolved. */
  abort(): void;
}

export interface HandshakeTransport {
  /** The dialer's side ('offer') sends its offer itself; the other side starts with receive(offer). */
  start(peerId: string, role: 'offer' | 'answer', send: (kind: SignalKind, data: string) => void): Handshake;
}

/** What the mesh lends: its links and its rules for them. */
export interface MeshSignalingHost {
  /** This visitor's peer id, kept while the signal node is away; null before it has one. */
  selfId(): string | null;
  links(): ReadonlyMap<string, PeerLink>;
  isBanned(peerId: string): boolean;
  /** Whether one more link stays within the cap on links (the same as for PeerJS connections). */
  canAccept(): boolean;
  /** An open channel from a finished handshake: make it a link (or close it). */
  adopt(channel: FrameChannel): void;
  fault(peerId: string, error: DeployNetError): void;
}

export interface MeshSignalingOptions {
  readonly host: MeshSignalingHost;
  readonly transport: HandshakeTransport;
  /** Links this visitor opens at most (site config maxPeers): dialling stops there. */
  readonly maxPeers: number;
  readonly handshakeTimeoutMs?: number;
  readonly now?: () => number;
}

interface Pending {
  readonly id: number;
  /** The link that relays this handshake's messages. */
  readonly via: string;
  readonly role: 'offer' | 'answer';
  readonly handshake: Handshake;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class MeshSignaling {
  readonly exchange: PeerExchange;
  private readonly host: MeshSignalingHost;
  private readonly now: () => number;
  private readonly budgets = new Map<string, MessageBudget>();
  /** By remote peer id: one handshake per peer at a time. */
  private readonly pending = new Map<string, Pending>();
  /** When each peer was last dialled, so a peer that does not answer is not dialled in a loop. */
  private readonly tried = new Map<string, number>();
  private nextId = 1 + Math.floor(Math.random() * 0x7fffffff);
  private signalNodeUp = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: MeshSignalingOptions) {
    this.host = options.host;
    this.now = options.now ?? Date.now;
    this.exchange = new PeerExchange(() => this.host.links(), this.now);
  }

  /** Whether the signal node can find peers; when it cannot, learnt peers are dialled through relays. */
  setSignalNode(up: boolean): void {
    this.signalNodeUp = up;
    this.dialLearnt();
  }

  linkOpened(link: PeerLink): void {
    this.exchange.linkOpened(link);
  }

  linkClosed(peerId: string): void {
    this.budgets.delete(peerId);
    this.exchange.linkClosed(peerId);
    this.dialLearnt();
  }

  onPeers(link: PeerLink, peers: readonly string[]): void {
    this.exchange.heardFrom(link.peerId, peers);
    this.dialLearnt();
  }

  onSignal(link: PeerLink, frame: SignalFrame): void {
    const self = this.host.selfId();
    if (this.stopped || self === null || !this.budget(link.peerId).take()) return;
    switch (routeSignal(frame, link.peerId, self)) {
      case 'forged':
        return this.host.fault(link.peerId, new DeployNetError('FRAME_MALFORMED', `peer ${link.peerId} asked to relay a SIGNAL from ${frame.from}`, { frame: 'signal' }));
      case 'forward': {
        const target = this.host.links().get(frame.to);
        if (target?.isOpen && !this.host.isBanned(frame.to)) target.sendMesh(frame).catch(() => undefined);
        return;
      }
      case 'deliver':
        return this.deliver(link.peerId, frame, self);
      case 'drop':
        return;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.exchange.stop();
    for (const [peerId, p] of this.pending) this.end(peerId, p, false);
  }

  private budget(linkId: string): MessageBudget {
    let b = this.budgets.get(linkId);
    if (!b) this.budgets.set(linkId, (b = new MessageBudget(SIGNAL_BURST, SIGNAL_PER_SECOND, this.now)));
    return b;
  }

  private deliver(via: string, frame: SignalFrame, self: string): void {
    const from = frame.from;
    if (this.host.isBanned(from)) return;
    const current = this.pending.get(from);
    if (frame.kind !== 'offer') {
      if (current?.id === frame.id && current.via === via) this.feed(from, current, frame);
      return;
    }
    if (this.host.links().has(from) || current?.id === frame.id) return;
    if (current) {
      // Both dialled each other: the offer from the smaller id wins, on both sides alike.
      if (current.role === 'offer' && self < from) return;
      this.end(from, current, false);
    }
    const answering = [...this.pending.values()].filter((p) => p.role === 'answer' && p.via === via).length;
    if (this.pending.size >= MAX_HANDSHAKES || answering >= MAX_ANSWERS_PER_RELAY || !this.host.canAccept()) return;
    this.feed(from, this.begin(from, frame.id, via, 'answer', self), frame);
  }

  private feed(peerId: string, p: Pending, frame: SignalFrame): void {
    try {
      p.handshake.receive(frame.kind, frame.data);
    } catch {
      this.end(peerId, p, true); // nonsense from the far end: give up on this handshake only
    }
  }

  /** While the signal node is down: dial peers our links know, through them, up to maxPeers links. */
  private dialLearnt(): void {
    const self = this.host.selfId();
    if (this.signalNodeUp || this.stopped || self === null) return;
    const links = this.host.links();
    const dialling = [...this.pending.values()].filter((p) => p.role === 'offer').length;
    let room = this.options.maxPeers - links.size - dialling;
    const now = this.now();
    for (const [peer, at] of this.tried) if (now - at >= RETRY_MS) this.tried.delete(peer);
    for (const [target, relays] of this.exchange.reachable()) {
      if (room <= 0 || this.pending.size >= MAX_HANDSHAKES) return;
      if (target === self || links.has(target) || this.pending.has(target) || this.tried.has(target) || this.host.isBanned(target)) continue;
      const via = relays.find((r) => links.get(r)?.isOpen && !this.host.isBanned(r));
      if (via === undefined) continue;
      this.tried.set(target, now);
      room--;
      this.nextId = (this.nextId % 0xffffffff) + 1;
      this.begin(target, this.nextId, via, 'offer', self);
    }
  }

  private begin(peerId: string, id: number, via: string, role: 'offer' | 'answer', self: string): Pending {
    const send = (kind: SignalKind, data: string) => {
      const relay = this.host.links().get(via);
      // A relay that went away, or a message the wire cannot carry: the deadline ends the handshake.
      relay?.sendMesh({ type: 'signal', id, kind, from: self, to: peerId, data }).catch(() => undefined);
    };
    const handshake = this.options.transport.start(peerId, role, send);
    const timeoutMs = this.options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    const p: Pending = { id, via, role, handshake, timer: setTimeout(() => this.end(peerId, p, true), timeoutMs) };
    this.pending.set(peerId, p);
    handshake.channel.then(
      (channel) => {
        if (this.pending.get(peerId) !== p || this.stopped) return channel.close();
        clearTimeout(p.timer);
        this.pending.delete(peerId);
        this.host.adopt(channel);
      },
      () => this.end(peerId, p, true),
    );
    return p;
  }

  private end(peerId: string, p: Pending, failed: boolean): void {
    clearTimeout(p.timer);
    if (this.pending.get(peerId) !== p) return;
    this.pending.delete(peerId);
    p.handshake.abort();
    if (failed && !this.stopped && this.retryTimer === undefined) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.dialLearnt();
      }, RETRY_MS);
    }
  }
}
