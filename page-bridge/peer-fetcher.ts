/**
 * Gets one whole file from the connected peers: asks them one after another until one answers
 * with bytes that match the manifest, within the deadline. A peer whose bytes do not match is
 * reported (and banned by the mesh); one that lacks the file is simply skipped.
 */
import { DeployNetError, toHex, type CryptoProvider } from '../core/index.js';
import type { PeerLink } from './peer-link.js';

export interface FetchTarget {
  readonly sha256: string;
  readonly size: number;
}

export interface FetchOutcome {
  readonly bytes: Uint8Array;
  readonly peerId: string;
}

export async function verifyBytes(bytes: Uint8Array, target: FetchTarget, crypto: CryptoProvider): Promise<boolean> {
  return bytes.length === target.size && toHex(await crypto.sha256(bytes)) === target.sha256;
}

export async function fetchFromPeers(
  links: readonly PeerLink[],
  target: FetchTarget,
  deadline: number,
  crypto: CryptoProvider,
  onBadBytes: (link: PeerLink) => void,
  idleMs: number,
  now: () => number = Date.now,
  onProgress?: (received: number) => void,
): Promise<FetchOutcome> {
  let last: DeployNetError = new DeployNetError('PEER_UNAVAILABLE', 'no connected peer');
  for (const link of links) {
    if (deadline <= now()) throw new DeployNetError('PEER_TIMEOUT', 'peer deadline passed');
    if (!link.isOpen) continue;
    try {
      const bytes = await link.request(target.sha256, 0, target.size, deadline, idleMs, onProgress);
      if (await verifyBytes(bytes, target, crypto)) return { bytes, peerId: link.peerId };
      last = new DeployNetError('HASH_MISMATCH', `peer ${link.peerId} sent bytes that do not match the manifest`);
      onBadBytes(link);
    } catch (error) {
      if (error instanceof DeployNetError) last = error;
    }
  }
  throw last;
}
