/**
 * FrameChannel over a PeerJS DataConnection opened with `serialization: 'raw'` and
 * `reliable: true` (ordered, reliable SCTP). Frames go straight to the RTCDataChannel with
 * backpressure: above HIGH_WATER buffered bytes, sending waits for `bufferedamountlow`.
 */
import type { DataConnection } from 'peerjs';
import { DeployNetError } from '../core/index.js';
import type { FrameChannel } from './frame-channel.js';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export function peerjsChannel(conn: DataConnection): FrameChannel {
  const dc = conn.dataChannel;
  dc.bufferedAmountLowThreshold = LOW_WATER;
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        dc.removeEventListener('bufferedamountlow', done);
        dc.removeEventListener('close', done);
        resolve();
      };
      dc.addEventListener('bufferedamountlow', done);
      dc.addEventListener('close', done);
    });
  return {
    peerId: conn.peer,
    async send(frame) {
      while (dc.readyState === 'open' && dc.bufferedAmount > HIGH_WATER) await drained();
      if (dc.readyState !== 'open') throw new DeployNetError('PEER_UNAVAILABLE', `channel to ${conn.peer} is ${dc.readyState}`);
      dc.send(frame as Uint8Array<ArrayBuffer>);
    },
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
