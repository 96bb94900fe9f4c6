/** The page side of the SW ⇄ bridge protocol (core/bridge-messages.ts). */
import {
  BRIDGE_PROTOCOL,
  DeployNetError,
  parsePeerFetchRequest,
  parseSwStatus,
  type BridgeState,
  type PeerFetchProgress,
  type PeerFetchRequest,
  type PeerFetchResult,
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

/** Answers the SW's peer-fetch requests with `answer`, reporting progress on the same port. */
export function servePeerFetches(
  container: ServiceWorkerContainer,
  answer: (request: PeerFetchRequest, onProgress: (received: number) => void) => Promise<PeerFetchResult>,
): void {
  container.addEventListener('message', (event) => {
    const port = event.ports[0];
    if (!port) return;
    let request: PeerFetchRequest;
    try {
      request = parsePeerFetchRequest(event.data);
    } catch {
      return;
    }
    let last = 0;
    const onProgress = (received: number) => {
      if (Date.now() - last < PROGRESS_EVERY_MS) return;
      last = Date.now();
      const progress: PeerFetchProgress = { type: 'peer-fetch-progress', v: BRIDGE_PROTOCOL, received };
      port.postMessage(progress);
    };
    void answer(request, onProgress).then((result) => {
      port.postMessage(result, result.ok ? [result.body] : []);
      port.close();
    });
  });
  container.startMessages();
}
