/**
 * FrameChannel over a PeerJS DataConnection opened with `serialization: 'raw'` and
 * `reliable: true` (ordered, reliable SCTP). Frames go straight to the RTCDataChannel, with
 * backpressure (data-channel-send.ts).
 */
import type { DataConnection } from 'peerjs';
import { backpressuredSend } from './data-channel-send.js';
import type { FrameChannel } from './frame-channel.js';

export function peerjsChannel(conn: DataConnection): FrameChannel {
  return {
    peerId: conn.peer,
    send: backpressuredSend(conn.dataChannel, conn.peer),
    onFrame(handler) {
      conn.on('data', handler);
    },
    onClose(handler) {
      conn.on('close', handler);
      conn.on('error', handler);
    },
    close() {
      conn.close();
    },
  };
}
