import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webCrypto } from '../core/index.js';
import type { ContentProvider } from './content-provider.js';
import { channelPair } from './frame-channel.js';
import { fetchFromPeers, verifyBytes, type FetchTarget } from './peer-fetcher.js';
import { PeerLink } from './peer-link.js';
import { rejectionOf as failure } from '../test/unit/test-kit.js';

const crypto = webCrypto(globalThis.crypto.subtle);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const FILE = new Uint8Array(randomBytes(200_000));
const TARGET: FetchTarget = { sha256: sha(FILE), size: FILE.length };
const far = () => Date.now() + 10_000;

/** What a remote peer answers for TARGET's hash. */
type Remote = 'has-file' | 'lacks-file' | 'wrong-bytes' | 'silent';

/** A local PeerLink to a remote PeerLink over channelPair; `asked` counts requests the remote saw. */
function linkTo(peerId: string, remote: Remote): { link: PeerLink; asked: () => number } {
  const [local, remoteEnd] = channelPair('me', peerId);
  let asked = 0;
  const wrong = new Uint8Array(FILE);
  wrong[12_345]! ^= 0xff;
  const provider: ContentProvider = {
    async get(hash) {
      asked++;
      if (remote === 'silent') return new Promise<never>(() => undefined);
      if (remote === 'lacks-file' || hash !== TARGET.sha256) return undefined;
      return new Blob([remote === 'has-file' ? FILE : wrong]);
    },
  };
  new PeerLink(remoteEnd, { provider, uploadAllowed: () => true, maxConcurrentUploads: 2, maxQueuedUploads: 4 });
  const link = new PeerLink(local, { provider: { get: async () => undefined }, uploadAllowed: () => true, maxConcurrentUploads: 2, maxQueuedUploads: 4 });
  return { link, asked: () => asked };
}


describe('fetchFromPeers', () => {
  it('skips a peer that lacks the file and returns the next one that has it', async () => {
    const a = linkTo('peer-a', 'lacks-file');
    const b = linkTo('peer-b', 'has-file');
    const bad: PeerLink[] = [];
    const outcome = await fetchFromPeers([a.link, b.link], TARGET, far(), crypto, (l) => bad.push(l), 1000);
    expect(outcome.peerId).toBe('peer-b');
    expect(Buffer.from(outcome.bytes).equals(FILE)).toBe(true);
    expect(bad).toEqual([]);
    expect(a.link.isOpen).toBe(true);
  });

  it('stops at the first peer that answers correctly', async () => {
    const a = linkTo('peer-a', 'has-file');
    const b = linkTo('peer-b', 'has-file');
    expect((await fetchFromPeers([a.link, b.link], TARGET, far(), crypto, () => undefined, 1000)).peerId).toBe('peer-a');
    expect(b.asked()).toBe(0);
  });

  it('reports a peer that sends wrong bytes through onBadBytes and tries the next', async () => {
    const a = linkTo('peer-a', 'wrong-bytes');
    const b = linkTo('peer-b', 'has-file');
    const bad: PeerLink[] = [];
    const outcome = await fetchFromPeers([a.link, b.link], TARGET, far(), crypto, (l) => bad.push(l), 1000);
    expect(bad).toEqual([a.link]);
    expect(outcome.peerId).toBe('peer-b');
    expect(Buffer.from(outcome.bytes).equals(FILE)).toBe(true);
  });

  it('moves on from a silent peer after idleMs', async () => {
    const a = linkTo('peer-a', 'silent');
    const b = linkTo('peer-b', 'has-file');
    await expect(fetchFromPeers([a.link, b.link], TARGET, far(), crypto, () => undefined, 50)).resolves.toMatchObject({ peerId: 'peer-b' });
  });

  it('skips closed links without asking them', async () => {
    const a = linkTo('peer-a', 'has-file');
    const b = linkTo('peer-b', 'has-file');
    a.link.close();
    expect((await fetchFromPeers([a.link, b.link], TARGET, far(), crypto, () => undefined, 1000)).peerId).toBe('peer-b');
    expect(a.asked()).toBe(0);
  });

  it('throws the last error when every peer fails', async () => {
    const lacking = linkTo('peer-a', 'lacks-file');
    const lying = linkTo('peer-b', 'wrong-bytes');
    const bad: PeerLink[] = [];
    expect((await failure(fetchFromPeers([lacking.link, lying.link], TARGET, far(), crypto, (l) => bad.push(l), 1000))).code).toBe('HASH_MISMATCH');
    expect(bad).toEqual([lying.link]);

    const lying2 = linkTo('peer-c', 'wrong-bytes');
    const lacking2 = linkTo('peer-d', 'lacks-file');
    expect((await failure(fetchFromPeers([lying2.link, lacking2.link], TARGET, far(), crypto, () => undefined, 1000))).code).toBe('PEER_REJECTED');
  });

  it('throws PEER_UNAVAILABLE with no links at all', async () => {
    expect((await failure(fetchFromPeers([], TARGET, far(), crypto, () => undefined, 1000))).code).toBe('PEER_UNAVAILABLE');
  });

  it('throws PEER_TIMEOUT without asking anyone when the deadline has passed', async () => {
    const a = linkTo('peer-a', 'has-file');
    expect((await failure(fetchFromPeers([a.link], TARGET, Date.now() - 1, crypto, () => undefined, 1000))).code).toBe('PEER_TIMEOUT');
    expect(a.asked()).toBe(0);
  });

  it('stops trying further peers once the clock passes the deadline', async () => {
    const a = linkTo('peer-a', 'lacks-file');
    const b = linkTo('peer-b', 'has-file');
    let t = 0;
    const now = () => (t += 600); // 600, then 1200: past the deadline of 1000 before peer-b
    expect((await failure(fetchFromPeers([a.link, b.link], TARGET, 1000, crypto, () => undefined, 1000, now))).code).toBe('PEER_TIMEOUT');
    expect(b.asked()).toBe(0);
  });
});

describe('verifyBytes', () => {
  it('needs both the size and the hash to match', async () => {
    expect(await verifyBytes(FILE, TARGET, crypto)).toBe(true);
    expect(await verifyBytes(FILE.subarray(1), TARGET, crypto)).toBe(false);
    expect(await verifyBytes(FILE, { ...TARGET, size: FILE.length + 1 }, crypto)).toBe(false);
    const flipped = new Uint8Array(FILE);
    flipped[0]! ^= 1;
    expect(await verifyBytes(flipped, TARGET, crypto)).toBe(false);
  });
});
