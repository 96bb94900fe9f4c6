/**
 * Sending frames on an RTCDataChannel with backpressure, shared by every FrameChannel over WebRTC
 * (PeerJS's and the relayed one): above HIGH_WATER buffered bytes, sending waits for
 * `bufferedamountlow`, so a fast sender never grows the browser's buffer without bound (and never
 * hits the send() that kills the channel).
 */
import { DeployNetError } from '../core/index.js';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export function backpressuredSend(dc: RTCDataChannel, peerId: string): (frame: Uint8Array) => Promise<void> {
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
  return async (frame) => {
    while (dc.readyState === 'open' && dc.bufferedAmount > HIGH_WATER) await drained();
    if (dc.readyState !== 'open') throw new DeployNetError('PEER_UNAVAILABLE', `channel to ${peerId} is ${dc.readyState}`);
    dc.send(frame as Uint8Array<ArrayBuffer>);
  };
}
