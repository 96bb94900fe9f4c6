/**
 * Page ⇄ signal: joining a swarm. A swarm is one site (its key id, on the Origin the browser
 * reports) at one manifest version. The page proves it owns `peerId` with the PeerJS token it
 * connected with; the node answers with at most `max` other members, never a global list, best
 * first: same region, then peers holding content, spread by rendezvous hashing over the joiner's
 * and each member's id (signal/swarm-selection.ts). Joining again (same swarm) updates what the
 * node knows of the peer's holdings and region.
 *
 *   POST {signal}/swarm/v1/join   body SwarmJoinRequest   → 200 SwarmJoinResponse
 *                                                           → 400/401 { error: { code, message } }
 */
import { DeployNetError } from './errors.js';
import { KEY_ID, array, int, record, str } from './validate.js';

export const SWARM_JOIN_PATH = '/swarm/v1/join';
/** Where PeerServer is mounted below the signal base URL; PeerJS clients use it as `path`. */
export const PEERJS_MOUNT = '/peerjs';
/** The PeerServer `key` DeployNet clients use. */
export const PEERJS_KEY = 'deploynet';
export const MAX_SWARM_ANSWER = 32;

export interface SwarmJoinRequest {
  readonly v: 1;
  readonly peerId: string;
  readonly token: string;
  readonly keyId: string;
  readonly version: number;
  readonly max: number;
  /**
   * How much of the site this peer holds: the fraction of the manifest's bytes in files it holds
   * whole (verified, in its cache), 0 to 1. Absent: 0. Only a preference hint for the node's
   * answers: nothing a peer serves is trusted without verification anyway.
   */
  readonly holds?: number;
  /** A short client-chosen region hint such as `eu-west` (REGION); peers of the same region are named first. */
  readonly region?: string;
}

export interface SwarmJoinResponse {
  readonly v: 1;
  readonly peers: readonly string[];
}

const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A region hint: 1 to 32 characters of a-z, 0-9 and `-` (e.g. `eu-west`, `us-east-1`). */
export const REGION = /^[a-z0-9-]{1,32}$/;

/** A finite number from 0 to 1. */
function fraction(value: unknown, field: string, code: 'SIGNAL_BAD_REQUEST'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new DeployNetError(code, `${field} must be a number from 0 to 1`, { field });
  }
  return value;
}

export function parseSwarmJoinRequest(value: unknown): SwarmJoinRequest {
  const code = 'SIGNAL_BAD_REQUEST';
  const r = record(value, 'body', code);
  if (r.v !== 1) throw new DeployNetError(code, 'v must be 1');
  return {
    v: 1,
    peerId: str(r.peerId, 'peerId', code, PEER_ID),
    token: str(r.token, 'token', code, /^[A-Za-z0-9_-]{1,128}$/),
    keyId: str(r.keyId, 'keyId', code, KEY_ID),
    version: int(r.version, 'version', code, 1, Number.MAX_SAFE_INTEGER),
    max: int(r.max, 'max', code, 0, MAX_SWARM_ANSWER),
    ...(r.holds !== undefined && { holds: fraction(r.holds, 'holds', code) }),
    ...(r.region !== undefined && { region: str(r.region, 'region', code, REGION) }),
  };
}

export function parseSwarmJoinResponse(value: unknown): SwarmJoinResponse {
  const code = 'SIGNAL_BAD_REQUEST';
  const r = record(value, 'response', code);
  const peers = array(r.peers, 'peers', code, MAX_SWARM_ANSWER).map((p, i) => str(p, `peers[${i}]`, code, PEER_ID));
  return { v: 1, peers };
}
