/** The page side of the SW ⇄ bridge protocol (core/bridge-messages.ts). */
import {
  BRIDGE_PROTOCOL,
  DeployNetError,
  parseChunksHeld,
  parsePeerFetchCancel,
  parsePeerFetchRequest,
  parseSwStatus,
  transferList,
  type BridgeState,
  type ByteParts,
  type ChunksHeld,
  type PeerChunk,
  type PeerFetchEnd,
  type PeerFetchOrigin,
  type PeerFetchProgress,
  type PeerFetchRequest,
  type SwStatus,
} from '../core/index.js';

export function announce(container: ServiceWorkerContainer, state: BridgeState): void {
  container.controller?.postMessage({ type: 'bridge-state', v: BRIDGE_PROTOCOL, state });
}

export function requestStatus(container: ServiceWorkerContainer, timeoutMs: number): Promise<SwStatus> {
  const controller = container.controller;
  if (!controller) return Promise.reject(new DeployNetError('NO_BRIDGE', 'page is not controlled by the service worker'));
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new DeployNetError('NO_BRIDGE', 'service worker did not answer')), timeoutMs);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      channel.port1.close();
      try {
        resolve(parseSwStatus(event.data));
      } catch (error) {
        reject(error);
      }
    };
    controller.postMessage({ type: 'status-request', v: BRIDGE_PROTOCOL }, [channel.port2]);
  });
}

/** How often, at most, a transfer's progress goes to the SW. */
const PROGRESS_EVERY_MS = 250;

/**
 * Where a peer-fetch's answer goes: each verified chunk, progress while bytes arrive, and the
 * chunks the SW should take from the origin now (rendezvous, chunk-sources.ts).
 */
export interface ChunkSink {
  /** A verified chunk; its pieces' buffers are transferred (detached here). */
  chunk(index: number, parts: ByteParts, peerId: string): void;
  progress(received: number): void;
  origin(indices: readonly number[]): void;
}

/** Hears the SW's chunks-held messages: what this visitor now holds and can serve. */
export function onChunksHeld(container: ServiceWorkerContainer, handler: (held: ChunksHeld) => void): void {
  container.addEventListener('message', (event) => {
    let held: ChunksHeld | undefined;
    try {
      held = parseChunksHeld(event.data);
    } catch {
      return; // malformed: ignored
    }
    if (held) handler(held);
  });
}

/** What the bridge does for one peer-fetch: `drop` hears chunks the SW no longer needs. */
export type PeerFetchAnswer = (
  request: PeerFetchRequest,
  sink: ChunkSink,
  signal: AbortSignal,
  onDrop: (register: (indices: readonly number[]) => void) => void,
) => Promise<PeerFetchEnd>;

/**
 * Answers the SW's peer-fetch requests with `answer`, on the port each request brings: chunks
 * (their buffers transferred), throttled progress, one end message. A peer-fetch-cancel on the
 * port drops the chunks it names, or stops the whole fetch.
 */
export function servePeerFetches(container: ServiceWorkerContainer, answer: PeerFetchAnswer): void {
  container.addEventListener('message', (event) => {
    const port = event.ports[0];
    if (!port) return;
    let request: PeerFetchRequest;
    try {
      request = parsePeerFetchRequest(event.data);
    } catch {
      return;
    }
    const stop = new AbortController();
    let drop: (indices: readonly number[]) => void = () => undefined;
    port.onmessage = (message) => {
      try {
        const cancel = parsePeerFetchCancel(message.data);
        if (cancel.chunks) drop(cancel.chunks);
        else stop.abort();
      } catch {
        // not a cancel: ignored
      }
    };
    let last = 0;
    const sink: ChunkSink = {
      chunk(index, parts, peerId) {
        // The pieces as they are, their buffers moved (no copy); copied only from shared memory.
        const transfer = transferList(parts);
        const own = transfer ? parts : parts.map((part) => part.slice());
        const message: PeerChunk = { type: 'peer-chunk', v: BRIDGE_PROTOCOL, index, parts: own, peerId };
        port.postMessage(message, transfer ?? own.map((part) => part.buffer));
      },
      progress(received) {
        if (Date.now() - last < PROGRESS_EVERY_MS) return;
        last = Date.now();
        const progress: PeerFetchProgress = { type: 'peer-fetch-progress', v: BRIDGE_PROTOCOL, received };
        port.postMessage(progress);
      },
      origin(indices) {
        const message: PeerFetchOrigin = { type: 'peer-fetch-origin', v: BRIDGE_PROTOCOL, chunks: [...indices].sort((a, b) => a - b) };
        port.postMessage(message);
      },
    };
    void answer(request, sink, stop.signal, (register) => (drop = register)).then((end) => {
      port.postMessage(end);
      port.close();
    });
  });
  container.startMessages();
}
