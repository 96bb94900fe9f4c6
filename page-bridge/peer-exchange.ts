/**
 * Peer exchange (PEERS frames, core/wire-mesh.ts): every link hears whom this visitor is linked to,
 * and this visitor remembers whom each of its links is linked to. That is exactly what a one-hop
 * relay can reach, so it is all there is to remember: the book holds one list per open link
 * (at most MAX_LISTED_PEERS ids each) and forgets it when the link closes.
 *
 * Announcing: a new link hears the list at once; every change to the set of links is announced to
 * all links at most once per ANNOUNCE_INTERVAL_MS, and a link never hears the same list twice.
 */
import { MAX_LISTED_PEERS } from '../core/index.js';

export const ANNOUNCE_INTERVAL_MS = 1000;

/** What peer exchange needs of a link: PeerLink has it. */
export interface ExchangeLink {
  readonly peerId: string;
  readonly isOpen: boolean;
  sendMesh(frame: { readonly type: 'peers'; readonly id: number; readonly peers: readonly string[] }): Promise<void>;
}

export class PeerExchange {
  /** Link id → the peers that link said it is linked to, most recent PEERS only. */
  private readonly heard = new Map<string, readonly string[]>();
  /** Link id → the list last sent to it, joined: a link never hears the same list twice. */
  private readonly sent = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastAnnounce = -Infinity;

  constructor(
    private readonly links: () => ReadonlyMap<string, ExchangeLink>,
    private readonly now: () => number = Date.now,
  ) {}

  linkOpened(link: ExchangeLink): void {
    this.tell(link);
    this.changed();
  }

  linkClosed(peerId: string): void {
    this.heard.delete(peerId);
    this.sent.delete(peerId);
    this.changed();
  }

  /** A PEERS frame from an open link replaces what that link said before. */
  heardFrom(linkId: string, peers: readonly string[]): void {
    if (this.links().get(linkId)?.isOpen) this.heard.set(linkId, peers);
  }

  /** Every peer some open link says it is linked to, with those links (the possible relays). */
  reachable(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [relay, peers] of this.heard) {
      if (!this.links().get(relay)?.isOpen) continue;
      for (const peer of peers) out.set(peer, [...(out.get(peer) ?? []), relay]);
    }
    return out;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The set of links changed: tell every link, at most once per interval. */
  private changed(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastAnnounce + ANNOUNCE_INTERVAL_MS - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastAnnounce = this.now();
      for (const link of this.links().values()) this.tell(link);
    }, wait);
  }

  private tell(link: ExchangeLink): void {
    if (!link.isOpen) return;
    const peers = [...this.links()].filter(([id, l]) => id !== link.peerId && l.isOpen).map(([id]) => id).slice(0, MAX_LISTED_PEERS);
    const key = peers.join(' ');
    if (this.sent.get(link.peerId) === key) return;
    this.sent.set(link.peerId, key);
    link.sendMesh({ type: 'peers', id: 0, peers }).catch(() => undefined); // a closing link: its close handler cleans up
  }
}
