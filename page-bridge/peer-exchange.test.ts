import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_LISTED_PEERS } from '../core/index.js';
import { ANNOUNCE_INTERVAL_MS, PeerExchange, type ExchangeLink } from './peer-exchange.js';

/** A link that records the PEERS lists it is sent. */
function fakeLink(peerId: string) {
  const told: string[][] = [];
  const link = {
    peerId,
    isOpen: true as boolean,
    told,
    sendMesh: async (frame: { peers: readonly string[] }) => void told.push([...frame.peers]),
  } satisfies ExchangeLink & { told: string[][] };
  return link;
}

describe('PeerExchange', () => {
  let links: Map<string, ReturnType<typeof fakeLink>>;
  let exchange: PeerExchange;
  const open = (id: string) => {
    const link = fakeLink(id);
    links.set(id, link);
    exchange.linkOpened(link);
    return link;
  };
  const close = (id: string) => {
    links.get(id)!.isOpen = false;
    links.delete(id);
    exchange.linkClosed(id);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    links = new Map();
    exchange = new PeerExchange(() => links);
  });
  afterEach(() => {
    exchange.stop();
    vi.useRealTimers();
  });

  it('tells a new link at once whom this visitor is linked to (not itself), and the others once the interval allows', async () => {
    const a = open('a');
    expect(a.told).toEqual([[]]);
    await vi.advanceTimersByTimeAsync(0);
    const b = open('b');
    expect(b.told).toEqual([['a']]);
    expect(a.told).toEqual([[]]); // not yet: one announcement per interval
    await vi.advanceTimersByTimeAsync(ANNOUNCE_INTERVAL_MS);
    expect(a.told).toEqual([[], ['b']]);
    expect(b.told).toEqual([['a']]); // never the same list twice
  });

  it('announces a burst of changes once, with the last state', async () => {
    const a = open('a');
    await vi.advanceTimersByTimeAsync(ANNOUNCE_INTERVAL_MS);
    for (const id of ['b', 'c', 'd']) open(id);
    close('c');
    await vi.advanceTimersByTimeAsync(ANNOUNCE_INTERVAL_MS);
    expect(a.told).toEqual([[], ['b', 'd']]);
    expect(links.get('d')!.told).toEqual([['a', 'b', 'c'], ['a', 'b']]);
  });

  it(`lists at most ${MAX_LISTED_PEERS} peers`, () => {
    for (let i = 0; i < MAX_LISTED_PEERS + 5; i++) open(`p${i}`);
    expect(open('last').told[0]).toHaveLength(MAX_LISTED_PEERS);
  });

  it('remembers what each open link said, replaces it on the next PEERS, and forgets it when the link closes', () => {
    open('a');
    open('b');
    exchange.heardFrom('a', ['x', 'y']);
    exchange.heardFrom('b', ['y']);
    exchange.heardFrom('stranger', ['z']); // not a link: ignored
    expect(exchange.reachable()).toEqual(new Map([['x', ['a']], ['y', ['a', 'b']]]));
    exchange.heardFrom('a', ['w']);
    expect(exchange.reachable()).toEqual(new Map([['w', ['a']], ['y', ['b']]]));
    close('b');
    expect(exchange.reachable()).toEqual(new Map([['w', ['a']]]));
  });
});
