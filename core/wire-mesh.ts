/**
 * The bodies of the two mesh frames of core/wire.ts (same 6-byte header; wire.ts dispatches):
 * peers tell their linked peers whom they are linked to (PEERS), and forward WebRTC handshakes
 * for each other, one hop (SIGNAL), so visitors keep finding each other while the signal node is
 * down. Integers are unsigned big-endian. A peer id is 1-64 bytes of ASCII [A-Za-z0-9_-], the
 * same rule as a swarm-join answer's ids (core/swarm.ts).
 *
 * PEERS (type 5), either direction: "these are the peers I have open links to now"; each PEERS
 * replaces the previous one from that link. Header id: unused, senders put 0.
 *   6      1     n, the number of ids, 0 <= n <= MAX_LISTED_PEERS
 *   7      ...   n times: 1 byte length L (1..64), then L bytes of peer id; no id twice
 *
 * SIGNAL (type 6): one message of a WebRTC handshake from `from` to `to`. Sent to the relay (the
 * sender's linked peer that is linked to `to`), which forwards it unchanged over its link to `to`.
 * Header id: the handshake id, chosen by the dialer; every message of one handshake carries it.
 *   6      1     kind: 1 offer, 2 answer, 3 candidate
 *   7      1     length F (1..64), then F bytes: `from`
 *   ..     1     length T (1..64), then T bytes: `to`
 *   ..     2     length D (0..MAX_SIGNAL_DATA_BYTES), then D bytes of data: printable ASCII, CR
 *                and LF only. Offer and answer: the SDP. Candidate: RTCIceCandidateInit as JSON.
 *                The decoder checks the framing; parseSignalPayload checks what the data says.
 *
 * Both frames are exactly as long as their fields say: anything after or missing is malformed.
 */
import { DeployNetError } from './errors.js';
import { int, isRecord, str } from './validate.js';

/** Most ids one PEERS frame lists. */
export const MAX_LISTED_PEERS = 32;
/** Largest SIGNAL data: a data-channel-only SDP is under 1 KiB; candidates trickle separately. */
export const MAX_SIGNAL_DATA_BYTES = 8192;
const MAX_ID_BYTES = 64;

export const SignalKind = { offer: 1, answer: 2, candidate: 3 } as const;
export type SignalKind = keyof typeof SignalKind;

export interface PeersFrame {
  readonly type: 'peers';
  readonly id: number;
  readonly peers: readonly string[];
}

export interface SignalFrame {
  readonly type: 'signal';
  readonly id: number;
  readonly kind: SignalKind;
  readonly from: string;
  readonly to: string;
  readonly data: string;
}

const ID_BYTE = /^[A-Za-z0-9_-]$/;
const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;

function malformed(why: string): never {
  throw new DeployNetError('FRAME_MALFORMED', `malformed frame: ${why}`);
}

function ascii(text: string): number[] {
  return [...text].map((ch) => ch.charCodeAt(0));
}

function peerIdBytes(id: string, field: string): number[] {
  if (!PEER_ID.test(id)) throw new RangeError(`${field} must be 1-64 characters of [A-Za-z0-9_-]`);
  return [id.length, ...ascii(id)];
}

/** Reads fields in order and insists the body ends exactly where they do. */
class Reader {
  at = 0;
  constructor(private readonly body: Uint8Array) {}

  u8(field: string): number {
    if (this.at + 1 > this.body.length) malformed(`${field} is missing`);
    return this.body[this.at++]!;
  }

  u16(field: string): number {
    return (this.u8(field) << 8) | this.u8(field);
  }

  text(length: number, field: string, allowed: (byte: number) => boolean): string {
    if (this.at + length > this.body.length) malformed(`${field} is cut short`);
    let out = '';
    for (const byte of this.body.subarray(this.at, this.at + length)) {
      if (!allowed(byte)) malformed(`${field} has a byte ${byte} it may not have`);
      out += String.fromCharCode(byte);
    }
    this.at += length;
    return out;
  }

  peerId(field: string): string {
    const length = this.u8(field);
    if (length < 1 || length > MAX_ID_BYTES) malformed(`${field} must be 1-64 bytes long`);
    return this.text(length, field, (b) => ID_BYTE.test(String.fromCharCode(b)));
  }

  end(): void {
    if (this.at !== this.body.length) malformed('bytes after the last field');
  }
}

const signalDataByte = (b: number): boolean => (b >= 0x20 && b <= 0x7e) || b === 0x0a || b === 0x0d;

export function encodePeersBody(frame: PeersFrame): Uint8Array {
  if (frame.peers.length > MAX_LISTED_PEERS) throw new RangeError(`at most ${MAX_LISTED_PEERS} peers`);
  if (new Set(frame.peers).size !== frame.peers.length) throw new RangeError('peers must be distinct');
  return Uint8Array.from([frame.peers.length, ...frame.peers.flatMap((p) => peerIdBytes(p, 'peer id'))]);
}

export function decodePeersBody(id: number, body: Uint8Array): PeersFrame {
  const r = new Reader(body);
  const n = r.u8('peer count');
  if (n > MAX_LISTED_PEERS) malformed(`more than ${MAX_LISTED_PEERS} peers`);
  const peers: string[] = [];
  for (let i = 0; i < n; i++) peers.push(r.peerId(`peers[${i}]`));
  r.end();
  if (new Set(peers).size !== n) malformed('a peer listed twice');
  return { type: 'peers', id, peers };
}

export function encodeSignalBody(frame: SignalFrame): Uint8Array {
  const data = ascii(frame.data);
  if (data.length > MAX_SIGNAL_DATA_BYTES) throw new RangeError(`signal data over ${MAX_SIGNAL_DATA_BYTES} bytes`);
  if (!data.every(signalDataByte)) throw new RangeError('signal data must be printable ASCII, CR or LF');
  const kind = SignalKind[frame.kind];
  return Uint8Array.from([kind, ...peerIdBytes(frame.from, 'from'), ...peerIdBytes(frame.to, 'to'), data.length >> 8, data.length & 0xff, ...data]);
}

export function decodeSignalBody(id: number, body: Uint8Array): SignalFrame {
  const r = new Reader(body);
  const code = r.u8('kind');
  const kind = (Object.keys(SignalKind) as SignalKind[]).find((k) => SignalKind[k] === code);
  if (kind === undefined) malformed(`unknown signal kind ${code}`);
  const from = r.peerId('from');
  const to = r.peerId('to');
  const length = r.u16('data length');
  if (length > MAX_SIGNAL_DATA_BYTES) malformed(`signal data over ${MAX_SIGNAL_DATA_BYTES} bytes`);
  const data = r.text(length, 'data', signalDataByte);
  r.end();
  return { type: 'signal', id, kind, from, to, data };
}

/** What a SIGNAL's data says, checked: an SDP, or one ICE candidate. */
export type SignalPayload =
  | { readonly kind: 'offer' | 'answer'; readonly sdp: string }
  | { readonly kind: 'candidate'; readonly candidate: IceCandidateInit };

/** The fields of RTCIceCandidateInit (core has no DOM types). */
export interface IceCandidateInit {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
}

function nullable<T>(value: unknown, parse: (v: unknown) => T): T | null {
  return value === null || value === undefined ? null : parse(value);
}

/** Parses the data of a decoded SIGNAL frame; FRAME_MALFORMED when it is not what `kind` needs. */
export function parseSignalPayload(frame: Pick<SignalFrame, 'kind' | 'data'>): SignalPayload {
  const code = 'FRAME_MALFORMED';
  if (frame.kind !== 'candidate') {
    if (!frame.data.startsWith('v=0\r\n')) malformed(`${frame.kind} is not an SDP`);
    return { kind: frame.kind, sdp: frame.data };
  }
  let json: unknown;
  try {
    json = JSON.parse(frame.data);
  } catch {
    return malformed('candidate is not JSON');
  }
  if (!isRecord(json)) malformed('candidate is not an object');
  return {
    kind: 'candidate',
    candidate: {
      candidate: str(json.candidate, 'candidate.candidate', code, /^[\x20-\x7e]{0,1024}$/),
      sdpMid: nullable(json.sdpMid, (v) => str(v, 'candidate.sdpMid', code, /^[\x21-\x7e]{1,64}$/)),
      sdpMLineIndex: nullable(json.sdpMLineIndex, (v) => int(v, 'candidate.sdpMLineIndex', code, 0, 1023)),
      usernameFragment: nullable(json.usernameFragment, (v) => str(v, 'candidate.usernameFragment', code, /^[\x21-\x7e]{1,256}$/)),
    },
  };
}
