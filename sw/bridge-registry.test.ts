import { afterEach, describe, expect, it } from 'vitest';
import type { PeerFetchRequest } from '../core/index.js';
import { BridgeRegistry } from './bridge-registry.js';

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

const REQUEST = { path: '/fonts/bold.ttf', sha256: 'a'.repeat(64), size: 1000 };

describe('BridgeRegistry.fetch', () => {
  const open: MessagePort[] = [];
  afterEach(() => {
    for (const port of open.splice(0)) port.close();
  });

  it('returns the bridge’s bytes', async () => {
    const { clients, ports } = clientsWith((_r, port) => port.postMessage({ type: 'peer-fetch-result', v: 1, ok: true, body: new ArrayBuffer(3), peerId: 'p9' }));
    open.push(...ports);
    const registry = new BridgeRegistry(clients, 100, 200);
    registry.setState('page-1', 'ready');
    const got = await registry.fetch(REQUEST, 'page-1', Date.now() + 5000);
    expect(got).toMatchObject({ peerId: 'p9' });
  });

  it('passes on the bridge’s failure code and detail', async () => {
    const { clients, ports } = clientsWith((_r, port) =>
      port.postMessage({ type: 'peer-fetch-result', v: 1, ok: false, code: 'PEER_TIMEOUT', detail: 'peer x sent nothing for 50 ms' }),
    );
    open.push(...ports);
    const registry = new BridgeRegistry(clients, 100, 200);
    registry.setState('page-1', 'ready');
    expect(await registry.fetch(REQUEST, 'page-1', Date.now() + 5000)).toEqual({ failed: 'PEER_TIMEOUT', detail: 'peer x sent nothing for 50 ms' });
  });

  it('a bridge silent for idleMs → PEER_TIMEOUT saying how much had arrived', async () => {
    const { clients, ports } = clientsWith((_r, port) => port.postMessage({ type: 'peer-fetch-progress', v: 1, received: 400 }));
    open.push(...ports);
    const registry = new BridgeRegistry(clients, 100, 60);
    registry.setState('page-1', 'ready');
    const got = await registry.fetch(REQUEST, 'page-1', Date.now() + 5000);
    expect(got).toMatchObject({ failed: 'PEER_TIMEOUT' });
    expect('detail' in got && got.detail).toMatch(/^bridge reported no progress for 60 ms \(400 of 1000 bytes, \d+ ms after asking\)$/);
  });

  it('progress keeps a transfer alive past idleMs; the deadline still ends it', async () => {
    const { clients, ports } = clientsWith((_r, port) => {
      let received = 0;
      const timer = setInterval(() => port.postMessage({ type: 'peer-fetch-progress', v: 1, received: (received += 10) }), 20);
      port.addEventListener('close', () => clearInterval(timer));
      setTimeout(() => clearInterval(timer), 1000);
    });
    open.push(...ports);
    const registry = new BridgeRegistry(clients, 100, 60);
    registry.setState('page-1', 'ready');
    const started = Date.now();
    const got = await registry.fetch(REQUEST, 'page-1', started + 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect('detail' in got && got.detail).toMatch(/^deadline of \d+ ms passed \(\d+ of 1000 bytes/);
  });

  it('no ready bridge → NO_BRIDGE with how long it waited', async () => {
    const { clients } = clientsWith(() => undefined);
    const registry = new BridgeRegistry(clients, 30, 60);
    const got = await registry.fetch(REQUEST, 'page-1', Date.now() + 5000);
    expect(got).toMatchObject({ failed: 'NO_BRIDGE' });
    expect('detail' in got && got.detail).toMatch(/^no page bridge was ready within \d+ ms$/);
  });

  it('a malformed answer → PEER_REJECTED', async () => {
    const { clients, ports } = clientsWith((_r, port) => port.postMessage({ type: 'peer-fetch-result', v: 1, ok: false, code: 'lower case' }));
    open.push(...ports);
    const registry = new BridgeRegistry(clients, 100, 200);
    registry.setState('page-1', 'ready');
    expect(await registry.fetch(REQUEST, 'page-1', Date.now() + 5000)).toMatchObject({ failed: 'PEER_REJECTED' });
  });
});
