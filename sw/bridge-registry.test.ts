import { afterEach, describe, expect, it } from 'vitest';
import { partsLength, type PeerFetchRequest } from '../core/index.js';
import { BridgeRegistry, type PeerFailure, type PeerSession } from './bridge-registry.js';

/** The SW's Clients (a WebWorker type; tests type-check with the DOM library). */
type SwClients = ConstructorParameters<typeof BridgeRegistry>[0];

type Answer = (request: PeerFetchRequest, port: MessagePort) => void;

/** A Clients with one window client whose page bridge answers through `answer`. */
function clientsWith(answer: Answer): { clients: SwClients; ports: MessagePort[] } {
  const ports: MessagePort[] = [];
  const client = {
    id: 'page-1',
    postMessage(message: PeerFetchRequest, transfer: MessagePort[]) {
      const port = transfer[0]!;
      ports.push(port);
      answer(message, port);
    },
  };
  const clients = {
    get: async (id: string) => (id === client.id ? client : undefined),
    matchAll: async () => [client],
  } as unknown as SwClients;
  return { clients, ports };
}

const REQUEST = { path: '/fonts/bold.ttf', sha256: 'a'.repeat(64), size: 1000, chunkSize: 262144, chunks: ['a'.repeat(64)], want: [0] };

interface Outcome {
  readonly chunks: Array<{ index: number; bytes: number; peerId: string }>;
  readonly end: Promise<PeerFailure | null>;
}

function openSession(registry: BridgeRegistry, deadline: number): Outcome & { session: PeerSession } {
  const chunks: Outcome['chunks'] = [];
  let settle: (failure: PeerFailure | null) => void = () => undefined;
  const end = new Promise<PeerFailure | null>((resolve) => (settle = resolve));
  const session = registry.open(REQUEST, 'page-1', deadline, {
    chunk: (index, parts, peerId) => chunks.push({ index, bytes: partsLength(parts), peerId }),
    end: (failure) => settle(failure),
  });
  return { chunks, end, session };
}

describe('BridgeRegistry.open', () => {
  const open: MessagePort[] = [];
  afterEach(() => {
    for (const port of open.splice(0)) port.close();
  });

  function ready(answer: Answer, idleMs = 200): BridgeRegistry {
    const { clients, ports } = clientsWith(answer);
    open.push(...ports);
    const registry = new BridgeRegistry(clients, 100, idleMs);
    registry.setState('page-1', 'ready');
    return registry;
  }

  it('passes on the bridge’s origin hand-offs (peer-fetch-origin) and keeps the session alive', async () => {
    const registry = ready((_request, port) => {
      port.postMessage({ type: 'peer-fetch-origin', v: 1, chunks: [0, 2] });
      port.postMessage({ type: 'peer-fetch-end', v: 1, code: null });
    });
    const handed: number[][] = [];
    let settle: (failure: PeerFailure | null) => void = () => undefined;
    const end = new Promise<PeerFailure | null>((resolve) => (settle = resolve));
    registry.open(REQUEST, 'page-1', Date.now() + 5000, { chunk: () => undefined, end: (f) => settle(f), origin: (indices) => handed.push([...indices]) });
    expect(await end).toBeNull();
    expect(handed).toEqual([[0, 2]]);
  });

  it('passes on the bridge’s chunks, then its end', async () => {
    const registry = ready((request, port) => {
      expect(request).toMatchObject({ type: 'peer-fetch', v: 1, ...REQUEST });
      port.postMessage({ type: 'peer-chunk', v: 1, index: 0, parts: [new Uint8Array(3)], peerId: 'p9' });
      port.postMessage({ type: 'peer-fetch-end', v: 1, code: null });
    });
    const got = openSession(registry, Date.now() + 5000);
    expect(await got.end).toBeNull();
    expect(got.chunks).toEqual([{ index: 0, bytes: 3, peerId: 'p9' }]);
  });

  it('passes on the bridge’s failure code and detail', async () => {
    const registry = ready((_r, port) => port.postMessage({ type: 'peer-fetch-end', v: 1, code: 'PEER_TIMEOUT', detail: 'peer x sent nothing for 50 ms' }));
    expect(await openSession(registry, Date.now() + 5000).end).toEqual({ failed: 'PEER_TIMEOUT', detail: 'peer x sent nothing for 50 ms' });
  });

  it('a bridge silent for idleMs → PEER_TIMEOUT saying how much had arrived, and the bridge is told to stop', async () => {
    const cancels: unknown[] = [];
    const registry = ready((_r, port) => {
      port.onmessage = (event) => cancels.push(event.data);
      port.postMessage({ type: 'peer-fetch-progress', v: 1, received: 400 });
    }, 60);
    const failure = await openSession(registry, Date.now() + 5000).end;
    expect(failure).toMatchObject({ failed: 'PEER_TIMEOUT' });
    expect(failure?.detail).toMatch(/^bridge reported nothing for 60 ms \(400 of 1000 bytes, \d+ ms after asking\)$/);
    await new Promise((r) => setTimeout(r, 20));
    expect(cancels).toEqual([{ type: 'peer-fetch-cancel', v: 1 }]);
  });

  it('progress keeps a session alive past idleMs; the deadline still ends it', async () => {
    const registry = ready((_r, port) => {
      let received = 0;
      const timer = setInterval(() => port.postMessage({ type: 'peer-fetch-progress', v: 1, received: (received += 10) }), 20);
      setTimeout(() => clearInterval(timer), 1000);
    }, 60);
    const started = Date.now();
    const failure = await openSession(registry, started + 300).end;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(failure?.detail).toMatch(/^the peer deadline passed \(\d+ of 1000 bytes/);
  });

  it('cancel(chunks) tells the bridge which chunks to drop; cancel() ends the session', async () => {
    const seen: unknown[] = [];
    const registry = ready((_r, port) => (port.onmessage = (event) => seen.push(event.data)));
    const got = openSession(registry, Date.now() + 5000);
    await new Promise((r) => setTimeout(r, 20));
    got.session.cancel([3, 1]);
    got.session.cancel();
    expect(await got.end).toMatchObject({ failed: 'CANCELLED' });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([
      { type: 'peer-fetch-cancel', v: 1, chunks: [1, 3] },
      { type: 'peer-fetch-cancel', v: 1 },
    ]);
  });

  it('chunks dropped before the bridge was asked are not asked for', async () => {
    const asked: PeerFetchRequest[] = [];
    const registry = ready((request, port) => {
      asked.push(request);
      port.postMessage({ type: 'peer-fetch-end', v: 1, code: null });
    });
    const chunks = ['b'.repeat(64), 'c'.repeat(64), 'd'.repeat(64)];
    const session = registry.open({ ...REQUEST, size: 3 * 262144, chunks, want: [0, 1, 2] }, 'page-1', Date.now() + 5000, { chunk: () => undefined, end: () => undefined });
    session.cancel([1]);
    await new Promise((r) => setTimeout(r, 30));
    expect(asked.map((r) => r.want)).toEqual([[0, 2]]);
  });

  it('no ready bridge → NO_BRIDGE with how long it waited', async () => {
    const { clients } = clientsWith(() => undefined);
    const registry = new BridgeRegistry(clients, 30, 60);
    const failure = await openSession(registry, Date.now() + 5000).end;
    expect(failure).toMatchObject({ failed: 'NO_BRIDGE' });
    expect(failure?.detail).toMatch(/^no page bridge was ready within \d+ ms$/);
  });

  it('a malformed answer → PEER_REJECTED', async () => {
    const registry = ready((_r, port) => port.postMessage({ type: 'peer-fetch-end', v: 1, code: 'lower case' }));
    expect(await openSession(registry, Date.now() + 5000).end).toMatchObject({ failed: 'PEER_REJECTED' });
  });
});

describe('BridgeRegistry.held', () => {
  it('tells every bridge that is not off what this visitor now holds', async () => {
    const got: Record<string, unknown[]> = { a: [], b: [], c: [] };
    const clients = {
      get: async (id: string) => (id in got ? { id, postMessage: (m: unknown) => got[id]!.push(m) } : undefined),
      matchAll: async () => [],
    } as unknown as SwClients;
    const registry = new BridgeRegistry(clients, 100, 100);
    registry.setState('a', 'ready');
    registry.setState('b', 'off');
    registry.setState('c', 'connecting');
    registry.held('d'.repeat(64), [3]);
    registry.held('d'.repeat(64), null);
    await new Promise((r) => setTimeout(r, 0));
    const expected = [
      { type: 'chunks-held', v: 1, sha256: 'd'.repeat(64), chunks: [3] },
      { type: 'chunks-held', v: 1, sha256: 'd'.repeat(64), chunks: null },
    ];
    expect(got).toEqual({ a: expected, b: [], c: expected });
  });
});
