/**
 * A PeerJS message on its way from the node of its sender to the node of its receiver, published
 * on the receiving node's channel (cluster-keys.ts). One JSON object, protocol version 1:
 *
 *   { "v": 1, "from": <sending node id>, "type": "OFFER" | "ANSWER" | "CANDIDATE" | "LEAVE" | "EXPIRE",
 *     "src": <peer id>, "dst": <peer id>, "payload"?: <the PeerJS payload, untouched> }
 *
 * `src` is the id the sending node admitted the socket with, never what the client wrote. The
 * receiving node hands `{ type, src, dst, payload }` to its local peer, exactly what PeerServer
 * would have sent. Other nodes are trusted less than local state: everything read from a channel
 * goes through parseRelayEnvelope.
 */
import { DeployNetError } from '../core/errors.js';
import { isRecord, oneOf, str } from '../core/validate.js';
import { NODE_ID } from './cluster-keys.js';
import { RELAYED_TYPES, type RelayedType } from './metrics.js';
import { PEER_ID } from './peer-admission.js';

export const RELAY_ENVELOPE_VERSION = 1;

/** A heartbeat as the PeerJS client sends it (JSON.stringify({ type: 'HEARTBEAT' })). */
const HEARTBEAT = '{"type":"HEARTBEAT"}';

export interface RelayEnvelope {
  readonly v: typeof RELAY_ENVELOPE_VERSION;
  readonly from: string;
  readonly type: RelayedType;
  readonly src: string;
  readonly dst: string;
  readonly payload?: unknown;
}

/** What the receiving node sends its peer (PeerServer's own shape for relayed messages). */
export interface PeerJsRelayed {
  readonly type: RelayedType;
  readonly src: string;
  readonly dst: string;
  readonly payload?: unknown;
}

export function encodeRelayEnvelope(envelope: RelayEnvelope): string {
  return JSON.stringify(envelope);
}

/**
 * Reads one channel message. Throws SIGNAL_BAD_REQUEST (naming the field) when it is longer than
 * `maxChars`, not JSON, of another version, or has a bad node id, type or peer id.
 */
export function parseRelayEnvelope(text: string, maxChars: number): RelayEnvelope {
  const code = 'SIGNAL_BAD_REQUEST';
  if (text.length > maxChars) throw new DeployNetError(code, `relay envelope is over ${maxChars} characters`, { field: 'envelope' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DeployNetError(code, 'relay envelope is not JSON', { field: 'envelope' });
  }
  if (!isRecord(value)) throw new DeployNetError(code, 'relay envelope must be an object', { field: 'envelope' });
  if (value.v !== RELAY_ENVELOPE_VERSION) throw new DeployNetError(code, `v must be ${RELAY_ENVELOPE_VERSION}`, { field: 'v' });
  const envelope: RelayEnvelope = {
    v: RELAY_ENVELOPE_VERSION,
    from: str(value.from, 'from', code, NODE_ID),
    type: oneOf(value.type, 'type', code, RELAYED_TYPES),
    src: str(value.src, 'src', code, PEER_ID),
    dst: str(value.dst, 'dst', code, PEER_ID),
  };
  return value.payload === undefined ? envelope : { ...envelope, payload: value.payload };
}

/** The message the receiving node hands its peer. */
export function peerJsMessage(envelope: RelayEnvelope): PeerJsRelayed {
  const { type, src, dst, payload } = envelope;
  return payload === undefined ? { type, src, dst } : { type, src, dst, payload };
}

/**
 * The type and destination of a message a local peer sent, when it is one PeerServer relays to
 * another peer; undefined for anything else (HEARTBEAT, a LEAVE without dst, bad JSON: PeerServer
 * handles those itself).
 */
export function relayedTarget(text: string): { readonly type: RelayedType; readonly dst: string; readonly payload?: unknown } | undefined {
  // Most messages are PeerJS heartbeats, sent as exactly this text: no need to parse them here.
  if (text === HEARTBEAT) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.dst !== 'string' || !PEER_ID.test(value.dst)) return undefined;
  const type = RELAYED_TYPES.find((t) => t === value.type);
  if (type === undefined) return undefined;
  return value.payload === undefined ? { type, dst: value.dst } : { type, dst: value.dst, payload: value.payload };
}
