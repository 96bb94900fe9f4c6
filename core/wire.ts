/**
 * Peer ⇄ peer binary frames, sent over PeerJS data connections with `serialization: 'raw'`.
 * Every frame is at most MAX_FRAME_BYTES (64 KiB) and starts with the same 6-byte header.
 * All integers are unsigned big-endian.
 *
 *   offset size  field
 *   0      1     protocol version (WIRE_VERSION = 1)
 *   1      1     frame type
 *   2      4     request id (chosen by the requester, unique per connection while open)
 *
 * REQUEST (type 1), requester → responder: "send me bytes [start, end) of the file with this hash"
 *   6      32    SHA-256 of the whole file (as listed in the manifest)
 *   38     4     start (inclusive)
 *   42     4     end (exclusive); end - start <= MAX_REQUEST_BYTES
 * DATA (type 2), responder → requester: one slice of the answer; slices come in order
 *   6      4     offset within the file
 *   10     n     payload, 1 <= n <= MAX_PAYLOAD_BYTES
 * REJECT (type 3), responder → requester: the request will not be answered
 *   6      1     reason (RejectReason)
 * CANCEL (type 4), requester → responder: stop sending for this request id (no body)
 * PEERS (type 5) and SIGNAL (type 6), between linked peers: peer exchange and the one-hop relay
 *   of WebRTC handshakes; their bodies are documented next to their encoders, in wire-mesh.ts.
 * HAVE (type 7) and HAVE_CHUNKS (type 8), between linked peers: the files a peer holds whole, and
 *   the chunks it holds of files it is downloading; bodies documented in wire-have.ts.
 *
 * A request is complete when the requester holds end - start bytes; it then verifies them.
 *
 * Compatibility: there is no negotiation. A frame type or version this build does not know is a
 * protocol fault (the link closes), as any malformed frame. Peers that link run the same build:
 * they met in one swarm, which is one manifest version, and the manifest lists deploynet.js.
 */
import { fromHex, toHex } from './encoding.js';
import { DeployNetError } from './errors.js';
import { decodeHaveBody, decodeHaveChunksBody, encodeHaveBody, encodeHaveChunksBody, type HaveChunksFrame, type HaveFrame } from './wire-have.js';
import { decodePeersBody, decodeSignalBody, encodePeersBody, encodeSignalBody, type PeersFrame, type SignalFrame } from './wire-mesh.js';

export const WIRE_VERSION = 1;
export const MAX_FRAME_BYTES = 64 * 1024;
const HEADER = 6;
const DATA_HEADER = HEADER + 4;
export const MAX_PAYLOAD_BYTES = MAX_FRAME_BYTES - DATA_HEADER;
/** One request asks for at most this much (a whole file of up to 4 GiB in issue 2's model). */
export const MAX_REQUEST_BYTES = 2 ** 32 - 1;

export const FrameType = { Request: 1, Data: 2, Reject: 3, Cancel: 4, Peers: 5, Signal: 6, Have: 7, HaveChunks: 8 } as const;

export const RejectReason = { NotFound: 1, Busy: 2, BadRequest: 3, UploadOff: 4 } as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export type Frame =
  | { readonly type: 'request'; readonly id: number; readonly sha256: string; readonly start: number; readonly end: number }
  | { readonly type: 'data'; readonly id: number; readonly offset: number; readonly payload: Uint8Array }
  | { readonly type: 'reject'; readonly id: number; readonly reason: RejectReason }
  | { readonly type: 'cancel'; readonly id: number }
  | PeersFrame
  | SignalFrame
  | HaveFrame
  | HaveChunksFrame;

function malformed(why: string): never {
  throw new DeployNetError('FRAME_MALFORMED', `malformed frame: ${why}`);
}

function u32(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${field} must be a u32`);
  return n;
}

function start(type: number, id: number, length: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, WIRE_VERSION);
  view.setUint8(1, type);
  view.setUint32(2, u32(id, 'id'));
  return { bytes, view };
}

export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case 'request': {
      if (frame.end < frame.start) throw new RangeError('request end before start');
      const { bytes, view } = start(FrameType.Request, frame.id, HEADER + 40);
      bytes.set(fromHex(frame.sha256), HEADER);
      view.setUint32(38, u32(frame.start, 'start'));
      view.setUint32(42, u32(frame.end, 'end'));
      return bytes;
    }
    case 'data': {
      const n = frame.payload.length;
      if (n < 1 || n > MAX_PAYLOAD_BYTES) throw new RangeError(`payload must be 1..${MAX_PAYLOAD_BYTES} bytes`);
      const { bytes, view } = start(FrameType.Data, frame.id, DATA_HEADER + n);
      view.setUint32(6, u32(frame.offset, 'offset'));
      bytes.set(frame.payload, DATA_HEADER);
      return bytes;
    }
    case 'reject': {
      const { bytes, view } = start(FrameType.Reject, frame.id, HEADER + 1);
      view.setUint8(6, frame.reason);
      return bytes;
    }
    case 'cancel':
      return start(FrameType.Cancel, frame.id, HEADER).bytes;
    case 'peers':
      return withBody(FrameType.Peers, frame.id, encodePeersBody(frame));
    case 'signal':
      return withBody(FrameType.Signal, frame.id, encodeSignalBody(frame));
    case 'have':
      return withBody(FrameType.Have, frame.id, encodeHaveBody(frame));
    case 'have-chunks':
      return withBody(FrameType.HaveChunks, frame.id, encodeHaveChunksBody(frame));
  }
}

function withBody(type: number, id: number, body: Uint8Array): Uint8Array {
  const { bytes } = start(type, id, HEADER + body.length);
  bytes.set(body, HEADER);
  return bytes;
}

/** Decodes one frame; throws FRAME_MALFORMED on anything else. The payload is a view, not a copy. */
export function decodeFrame(input: Uint8Array): Frame {
  if (input.length < HEADER) malformed('shorter than the header');
  if (input.length > MAX_FRAME_BYTES) malformed('longer than 64 KiB');
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (view.getUint8(0) !== WIRE_VERSION) malformed(`unknown protocol version ${view.getUint8(0)}`);
  const type = view.getUint8(1);
  const id = view.getUint32(2);
  switch (type) {
    case FrameType.Request: {
      if (input.length !== HEADER + 40) malformed('request of the wrong length');
      const startAt = view.getUint32(38);
      const end = view.getUint32(42);
      if (end < startAt) malformed('request end before start');
      return { type: 'request', id, sha256: toHex(input.subarray(HEADER, HEADER + 32)), start: startAt, end };
    }
    case FrameType.Data:
      if (input.length <= DATA_HEADER) malformed('data frame without payload');
      return { type: 'data', id, offset: view.getUint32(6), payload: input.subarray(DATA_HEADER) };
    case FrameType.Reject: {
      if (input.length !== HEADER + 1) malformed('reject of the wrong length');
      const reason = view.getUint8(6);
      if (reason < 1 || reason > 4) malformed(`unknown reject reason ${reason}`);
      return { type: 'reject', id, reason: reason as RejectReason };
    }
    case FrameType.Cancel:
      if (input.length !== HEADER) malformed('cancel with a body');
      return { type: 'cancel', id };
    case FrameType.Peers:
      return decodePeersBody(id, input.subarray(HEADER));
    case FrameType.Signal:
      return decodeSignalBody(id, input.subarray(HEADER));
    case FrameType.Have:
      return decodeHaveBody(id, input.subarray(HEADER));
    case FrameType.HaveChunks:
      return decodeHaveChunksBody(id, input.subarray(HEADER));
    default:
      return malformed(`unknown frame type ${type}`);
  }
}

/** Data-channel payloads arrive as ArrayBuffer (or a view); anything else is malformed. */
export function frameBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return malformed('not binary');
}
