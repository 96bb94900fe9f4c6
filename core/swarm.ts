/**
 * Page ⇄ signal: joining a swarm. A swarm is one site (its key id, on the Origin the browser
 * reports) at one manifest version. The page proves it owns `peerId` with the PeerJS token it
 * connected with; the node answers with at most `max` other members, never a global list.
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
}

export interface SwarmJoinResponse {
  readonly v: 1;
  readonly peers: readonly string[];
}

const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;

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
  };
}

export function parseSwarmJoinResponse(value: unknown): SwarmJoinResponse {
  const code = 'SIGNAL_BAD_REQUEST';
  const r = record(value, 'response', code);
  const peers = array(r.peers, 'peers', code, MAX_SWARM_ANSWER).map((p, i) => str(p, `peers[${i}]`, code, PEER_ID));
  return { v: 1, peers };
}
