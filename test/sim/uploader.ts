/**
 * A visitor's answers to chunk requests, as PeerLink gives them (page-bridge/peer-link.ts): NotFound
 * for what it does not hold, Busy past MAX_CONCURRENT_UPLOADS + MAX_QUEUED_UPLOADS, otherwise the
 * chunk, paid for in the visitor's one upload TokenBucket (core/token-bucket.ts, on simulated
 * time) frame by frame, over its uplink and the requester's downlink (network.ts). The serving
 * side schedules the one event that ends the request: its arrival, or the timeout the requester
 * would hit (no first frame within idleMs, or the request's deadline).
 */
import { DeployNetError, MAX_PAYLOAD_BYTES, RejectReason } from '../../core/index.js';
import { transfer } from './network.js';
import type { PendingRequest, SimLink } from './sim-link.js';
import { chunkBytes, fileChunks } from './site.js';
import type { Visitor } from './visitor.js';

/** As in peer-mesh.ts. */
const MAX_CONCURRENT_UPLOADS = 16;
const MAX_QUEUED_UPLOADS = 64;

/** `v` answers a request for bytes [start, end) of file `sha256` that came in over `link`. */
export function serveChunk(v: Visitor, link: SimLink, sha256: string, start: number, end: number, request: PendingRequest): void {
  if (!v.online || !link.isOpen || request.done) return;
  const { clock, site } = v.world;
  const file = site.bySha.get(sha256);
  const index = Math.floor(start / site.manifest.chunkSize);
  const answer = (fn: () => void) => clock.schedule(link.oneWayMs, fn);
  const reject = (reason: number, why: string) => answer(() => request.finish(new DeployNetError('PEER_REJECTED', why, { reason })));
  if (!file || (!v.malicious && !v.holdings.selfHolds(sha256, [index]))) return void reject(RejectReason.NotFound, 'not found');
  if (v.uploads >= MAX_CONCURRENT_UPLOADS + MAX_QUEUED_UPLOADS) return void reject(RejectReason.Busy, 'busy');
  v.uploads++;
  const bytes = end - start;
  // PeerLink pays the shared bucket frame by frame: the first frame goes out as soon as its
  // tokens are there (the requester's stall timer stops), the rest as the refill allows.
  const first = Math.min(bytes, MAX_PAYLOAD_BYTES);
  const gone = () => !v.online || !link.isOpen || request.done;
  const timeoutAt = (at: number, why: string) => clock.schedule(at - clock.now(), () => request.finish(new DeployNetError('PEER_TIMEOUT', why)));
  const stallAt = Math.min(request.askedAt + request.idleMs, request.deadline);
  // Tokens that are not there yet: the requester's timer runs meanwhile.
  const pay = async (n: number, timeout: number) => {
    const bucket = v.bucket;
    if (!bucket) return;
    // No guard event when the tokens surely come first: alone in line, the bucket pays a deficit
    // after ceil(deficit / rate) ms (one more for float rounding). Most pays are such, and a
    // guard is an event scheduled and cancelled for nothing.
    const short = bucket.waiting > 0 ? Infinity : n - bucket.available;
    const surelyBy = clock.now() + Math.ceil((short * 1000) / bucket.ratePerSec) + 2;
    const guard = short > 0 && surelyBy >= timeout ? timeoutAt(timeout, 'no frame in time') : undefined;
    await bucket.take(n);
    clock.cancel(guard);
  };
  const send = async () => {
    await pay(first, stallAt);
    if (gone()) return;
    const receiver = link.remote;
    const now = clock.now();
    const plan = transfer(v.profile.up, receiver.profile.down, now, bytes, link.oneWayMs, false);
    // The requester gives up on a stall (its CANCEL stops the upload before it starts).
    if (plan.firstByte > stallAt) return void timeoutAt(stallAt, `no frame within ${request.idleMs} ms`);
    transfer(v.profile.up, receiver.profile.down, now, bytes, link.oneWayMs, true);
    v.uploadedBytes += first;
    clock.schedule(plan.firstByte - now, () => request.firstByte());
    if (bytes > first) {
      await pay(bytes - first, request.deadline);
      if (gone()) return;
      v.uploadedBytes += bytes - first;
    }
    const arrival = Math.max(plan.arrival, clock.now() + link.oneWayMs);
    if (arrival > request.deadline) return void timeoutAt(request.deadline, 'the request deadline passed');
    const hash = fileChunks(file)[index]!;
    await clock.sleep(arrival - clock.now());
    request.finish(null, chunkBytes(hash, bytes, v.malicious));
  };
  void send().finally(() => v.uploads--);
}
