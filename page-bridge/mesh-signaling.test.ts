/**
 * MeshSignaling between visitors wired by in-memory channels, each link a real PeerLink, with an
 * in-memory handshake: an offer and its answer, relayed through SIGNAL frames, open a channelPair.
 * The WebRTC handshake itself (rtc-handshake.ts) runs in test/browser/mesh-signaling.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeployNetError, encodeFrame, parseSignalPayload, type SignalFrame, type SignalKind } from '../core/index.js';
import { channelPair, type FrameChannel } from './frame-channel.js';
import { HANDSHAKE_TIMEOUT_MS, MAX_ANSWERS_PER_RELAY, MeshSignaling, RETRY_MS, SIGNAL_BURST, SIGNAL_PER_SECOND, type Handshake, type HandshakeTransport } from './mesh-signaling.js';
import { ANNOUNCE_INTERVAL_MS } from './peer-exchange.js';
import { PeerLink } from './peer-link.js';

/** Channel pairs for finished handshakes, by `offerer>answerer`. */
const board = new Map<string, [FrameChannel, FrameChannel]>();
function boardEnd(offerer: string, answerer: string, side: 'offerer' | 'answerer'): FrameChannel {
  const key = `${offerer}>${answerer}`;
  if (!board.has(key)) board.set(key, channelPair(offerer, answerer));
  return board.get(key)![side === 'offerer' ? 0 : 1];
}

interface Started {
  readonly peerId: string;
  readonly role: 'offer' | 'answer';
  readonly received: SignalKind[];
  aborted: boolean;
}

/** The in-memory handshake: `silent` never answers, so the deadline has to end it. */
function fakeTransport(self: string, silent = false): HandshakeTransport & { started: Started[] } {
  const started: Started[] = [];
  return {
    started,
    start(peerId, role, send): Handshake {
      const record: Started = { peerId, role, received: [], aborted: false };
      started.push(record);
      let resolve: (c: FrameChannel) => void = () => undefined;
      let reject: (e: Error) => void = () => undefined;
      const channel = new Promise<FrameChannel>((res, rej) => ((resolve = res), (reject = rej)));
      channel.catch(() => undefined);
      if (role === 'offer') queueMicrotask(() => send('offer', 'v=0\r\noffer\r\n'));
      return {
        channel,
        receive(kind, data) {
          parseSignalPayload({ kind, data }); // what the real one checks first
          record.received.push(kind);
          if (silent) return;
          if (role === 'answer' && kind === 'offer') {
            send('answer', 'v=0\r\nanswer\r\n');
            send('candidate', '{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0"}');
            resolve(boardEnd(peerId, self, 'answerer'));
          }
          if (role === 'offer' && kind === 'answer') resolve(boardEnd(self, peerId, 'offerer'));
        },
        abort() {
          record.aborted = true;
          reject(new DeployNetError('CANCELLED', 'aborted'));
        },
      };
    },
  };
}

/** A visitor: links (real PeerLinks), bans, faults, and its MeshSignaling, wired as PeerMesh wires them. */
class Visitor {
  readonly links = new Map<string, PeerLink>();
  readonly banned = new Set<string>();
  readonly faults: Array<[string, string]> = [];
  /** Every SIGNAL frame that reached this visitor over any link. */
  readonly signals: SignalFrame[] = [];
  readonly transport: ReturnType<typeof fakeTransport>;
  readonly signaling: MeshSignaling;

  constructor(readonly id: string, options: { maxPeers?: number; maxLinks?: number; silent?: boolean } = {}) {
    this.transport = fakeTransport(id, options.silent);
    this.signaling = new MeshSignaling({
      host: {
        selfId: () => this.id,
        links: () => this.links,
        isBanned: (peerId) => this.banned.has(peerId),
        canAccept: () => this.links.size < (options.maxLinks ?? 8),
        adopt: (channel) => this.addLink(channel),
        fault: (peerId, error) => void this.faults.push([peerId, error.code]),
      },
      transport: this.transport,
      maxPeers: options.maxPeers ?? 4,
    });
  }

  addLink(channel: FrameChannel): void {
    if (this.banned.has(channel.peerId) || this.links.has(channel.peerId)) return channel.close();
    const link: PeerLink = new PeerLink(channel, {
      provider: { get: async () => undefined },
      uploadAllowed: () => true,
      maxConcurrentUploads: 1,
      maxQueuedUploads: 1,
      onPeers: (frame) => this.signaling.onPeers(link, frame.peers),
      onSignal: (frame) => {
        this.signals.push(frame);
        this.signaling.onSignal(link, frame);
      },
    });
    this.links.set(channel.peerId, link);
    channel.onClose(() => {
      if (this.links.get(channel.peerId) !== link) return;
      this.links.delete(channel.peerId);
      this.signaling.linkClosed(channel.peerId);
    });
    this.signaling.linkOpened(link);
  }

  linkedTo(): string[] {
    return [...this.links.keys()].sort();
  }
}

function connect(a: Visitor, b: Visitor): void {
  const [ab, ba] = channelPair(a.id, b.id);
  a.addLink(ab);
  b.addLink(ba);
}

/** A raw channel end linked to `v` as peer `id`: sends whatever frames a test makes up. */
function rawPeer(v: Visitor, id: string): FrameChannel {
  const [visitorEnd, rawEnd] = channelPair(v.id, id);
  v.addLink(visitorEnd);
  rawEnd.onFrame(() => undefined);
  return rawEnd;
}

const signal = (from: string, to: string, kind: SignalKind = 'offer', id = 7): SignalFrame => ({
  type: 'signal',
  id,
  kind,
  from,
  to,
  data: kind === 'candidate' ? '{"candidate":""}' : 'v=0\r\n',
});

/** Lets PEERS announcements go out and everything in flight land. */
const settle = () => vi.advanceTimersByTimeAsync(ANNOUNCE_INTERVAL_MS + 1);

describe('MeshSignaling', () => {
  let alice: Visitor;
  let bob: Visitor;
  let carol: Visitor;

  beforeEach(() => {
    vi.useFakeTimers();
    board.clear();
    alice = new Visitor('alice');
    bob = new Visitor('bob');
    carol = new Visitor('carol');
  });
  afterEach(() => {
    for (const v of [alice, bob, carol]) v.signaling.stop();
    vi.useRealTimers();
  });

  it('with the signal node down, alice reaches carol through bob, and bob gains no link', async () => {
    connect(alice, bob);
    connect(bob, carol);
    await settle();
    alice.signaling.setSignalNode(false);
    await settle();
    expect(alice.linkedTo()).toEqual(['bob', 'carol']);
    expect(carol.linkedTo()).toEqual(['alice', 'bob']);
    expect(bob.linkedTo()).toEqual(['alice', 'carol']);
    // bob only carried alice's and carol's messages to each other, and opened no handshake itself.
    expect(bob.transport.started).toEqual([]);
    expect(carol.signals.map((s) => [s.from, s.to, s.kind])).toEqual([['alice', 'carol', 'offer']]);
    expect(alice.signals.map((s) => [s.from, s.to, s.kind])).toEqual([['carol', 'alice', 'answer'], ['carol', 'alice', 'candidate']]);
  });

  it('dials nobody while the signal node is up', async () => {
    connect(alice, bob);
    connect(bob, carol);
    await settle();
    alice.signaling.setSignalNode(true);
    await settle();
    expect(alice.linkedTo()).toEqual(['bob']);
    expect(alice.transport.started).toEqual([]);
  });

  it('dials no more than maxPeers links', async () => {
    alice = new Visitor('alice', { maxPeers: 1 });
    connect(alice, bob);
    connect(bob, carol);
    await settle();
    alice.signaling.setSignalNode(false);
    await settle();
    expect(alice.linkedTo()).toEqual(['bob']);
  });

  it('when both dial each other at once, the smaller id’s offer wins on both sides: one link', async () => {
    connect(alice, bob);
    connect(bob, carol);
    await settle();
    alice.signaling.setSignalNode(false);
    carol.signaling.setSignalNode(false);
    await settle();
    expect(alice.linkedTo()).toEqual(['bob', 'carol']);
    expect(carol.linkedTo()).toEqual(['alice', 'bob']);
    expect(carol.transport.started.map((s) => [s.peerId, s.role, s.aborted])).toEqual([['alice', 'offer', true], ['alice', 'answer', false]]);
    expect(alice.transport.started.map((s) => [s.peerId, s.role, s.aborted])).toEqual([['carol', 'offer', false]]);
  });

  it('gives up a handshake at its deadline and dials again after RETRY_MS', async () => {
    carol = new Visitor('carol', { silent: true });
    connect(alice, bob);
    connect(bob, carol);
    await settle();
    alice.signaling.setSignalNode(false);
    await settle();
    expect(alice.transport.started.map((s) => s.aborted)).toEqual([false]);
    await vi.advanceTimersByTimeAsync(HANDSHAKE_TIMEOUT_MS);
    expect(alice.transport.started.map((s) => s.aborted)).toEqual([true]);
    expect(carol.transport.started.map((s) => s.aborted)).toEqual([true]); // carol's side has the same deadline
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    expect(alice.transport.started.map((s) => s.aborted)).toEqual([true, false]);
    expect(alice.linkedTo()).toEqual(['bob']);
  });

  describe('as a relay', () => {
    it('forwards to its own open links only, never to a banned peer, and nothing it was not asked to', async () => {
      connect(bob, carol);
      const mallory = rawPeer(bob, 'mallory');
      await mallory.send(encodeFrame(signal('mallory', 'nobody')));
      await mallory.send(encodeFrame(signal('mallory', 'carol', 'candidate', 1)));
      bob.banned.add('carol');
      await mallory.send(encodeFrame(signal('mallory', 'carol', 'candidate', 2)));
      await settle();
      expect(carol.signals.map((s) => s.id)).toEqual([1]);
      expect(bob.faults).toEqual([]);
    });

    it('treats a SIGNAL that speaks for someone else as a fault of its sender, and does not forward it', async () => {
      connect(bob, carol);
      const mallory = rawPeer(bob, 'mallory');
      await mallory.send(encodeFrame(signal('alice', 'carol')));
      await settle();
      expect(carol.signals).toEqual([]);
      expect(bob.faults).toEqual([['mallory', 'FRAME_MALFORMED']]);
    });

    it(`handles at most ${SIGNAL_BURST} SIGNAL frames from one link at once, then ${SIGNAL_PER_SECOND} a second`, async () => {
      connect(bob, carol);
      const mallory = rawPeer(bob, 'mallory');
      for (let i = 0; i < SIGNAL_BURST + 10; i++) await mallory.send(encodeFrame(signal('mallory', 'carol', 'candidate', i)));
      await vi.advanceTimersByTimeAsync(0);
      expect(carol.signals).toHaveLength(SIGNAL_BURST);
      await vi.advanceTimersByTimeAsync(1000);
      for (let i = 0; i < SIGNAL_PER_SECOND + 10; i++) await mallory.send(encodeFrame(signal('mallory', 'carol', 'candidate', i)));
      await vi.advanceTimersByTimeAsync(0);
      expect(carol.signals).toHaveLength(SIGNAL_BURST + SIGNAL_PER_SECOND);
    });
  });

  describe('answering', () => {
    it(`answers at most ${MAX_ANSWERS_PER_RELAY} offers through one relay at a time`, async () => {
      carol = new Visitor('carol', { silent: true }); // handshakes stay open until their deadline
      const mallory = rawPeer(carol, 'mallory');
      for (const from of ['p1', 'p2', 'p3']) await mallory.send(encodeFrame(signal(from, 'carol')));
      await settle();
      expect(carol.transport.started.map((s) => s.peerId)).toEqual(['p1', 'p2']);
      await vi.advanceTimersByTimeAsync(HANDSHAKE_TIMEOUT_MS);
      await mallory.send(encodeFrame(signal('p3', 'carol')));
      await settle();
      expect(carol.transport.started.map((s) => [s.peerId, s.aborted])).toEqual([['p1', true], ['p2', true], ['p3', false]]);
    });

    it('ignores offers from banned peers, from peers it is linked to, and candidates for no handshake of theirs', async () => {
      connect(alice, carol);
      const mallory = rawPeer(carol, 'mallory');
      carol.banned.add('dave');
      await mallory.send(encodeFrame(signal('dave', 'carol')));
      await mallory.send(encodeFrame(signal('alice', 'carol')));
      await mallory.send(encodeFrame(signal('erin', 'carol', 'candidate')));
      await settle();
      expect(carol.transport.started).toEqual([]);
    });

    it('takes the answer and candidates of a handshake only from its relay', async () => {
      carol = new Visitor('carol', { silent: true });
      connect(alice, bob);
      connect(bob, carol);
      const mallory = rawPeer(alice, 'mallory');
      await settle();
      alice.signaling.setSignalNode(false);
      await settle();
      const offer = carol.signals.find((s) => s.kind === 'offer')!;
      // mallory, linked to alice, knows the handshake id and answers in carol's name.
      await mallory.send(encodeFrame(signal('carol', 'alice', 'answer', offer.id)));
      await mallory.send(encodeFrame(signal('carol', 'alice', 'candidate', offer.id)));
      await settle();
      expect(alice.transport.started.map((s) => [s.peerId, s.received])).toEqual([['carol', []]]);
      expect(alice.faults).toEqual([]);
    });

    it('drops a handshake whose data is not what its kind needs', async () => {
      const mallory = rawPeer(carol, 'mallory');
      await mallory.send(encodeFrame({ ...signal('p1', 'carol'), data: 'not an sdp' }));
      await settle();
      expect(carol.transport.started.map((s) => [s.peerId, s.aborted])).toEqual([['p1', true]]);
    });
  });
});
