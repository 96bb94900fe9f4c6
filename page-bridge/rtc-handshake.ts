/**
 * The relayed handshake in the page: a plain RTCPeerConnection with one data channel, signaled by
 * whatever carries `send` (SIGNAL frames through a linked peer, mesh-signaling.ts), because a
 * PeerJS DataConnection cannot be opened without its server. The RTCConfiguration is the one
 * PeerJS gets (rtcConfiguration in mesh-options.ts): the site's ICE servers only, never a public
 * STUN server, and its transport policy, so relay-only sites stay relay-only.
 *
 * The data channel is negotiated (both ends create id 0), ordered and reliable like PeerJS's;
 * candidates trickle, each after this side's description has been sent, and the far side's are
 * added in arrival order once its description is set.
 */
import { DeployNetError, parseSignalPayload, type SignalKind } from '../core/index.js';
import { backpressuredSend } from './data-channel-send.js';
import type { FrameChannel } from './frame-channel.js';
import type { Handshake, HandshakeTransport } from './mesh-signaling.js';

const LABEL = 'deploynet/1';

export function rtcHandshakes(configuration: RTCConfiguration): HandshakeTransport {
  return { start: (peerId, role, send) => startHandshake(configuration, peerId, role, send) };
}

function startHandshake(configuration: RTCConfiguration, peerId: string, role: 'offer' | 'answer', send: (kind: SignalKind, data: string) => void): Handshake {
  const pc = new RTCPeerConnection(configuration);
  const dc = pc.createDataChannel(LABEL, { negotiated: true, id: 0, ordered: true });
  dc.binaryType = 'arraybuffer';
  let settled = false;
  let fail: (error: DeployNetError) => void = () => undefined;
  const channel = new Promise<FrameChannel>((resolve, reject) => {
    fail = (error) => {
      if (settled) return;
      settled = true;
      dc.close();
      pc.close();
      reject(error);
    };
    dc.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      resolve(relayedChannel(pc, dc, peerId));
    }, { once: true });
  });
  channel.catch(() => undefined); // the mesh listens; an abandoned handshake must not go unhandled

  // Candidates wait until this side's description has gone out, so the far side gets it first.
  let described = false;
  const early: string[] = [];
  const candidate = (json: string) => (described ? send('candidate', json) : early.push(json));
  const describe = (kind: 'offer' | 'answer', sdp: string) => {
    send(kind, sdp);
    described = true;
    for (const json of early.splice(0)) send('candidate', json);
  };
  pc.addEventListener('icecandidate', (event) => {
    if (event.candidate?.candidate) candidate(JSON.stringify(event.candidate.toJSON()));
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed') fail(new DeployNetError('PEER_UNAVAILABLE', `relayed connection to ${peerId} failed`));
  });

  // One step after another: a candidate can only be added once the remote description is set.
  let steps = Promise.resolve();
  const step = (run: () => Promise<void>) => {
    steps = steps
      .then(() => (settled ? undefined : run()))
      .catch((error: unknown) => fail(new DeployNetError('PEER_UNAVAILABLE', `relayed handshake with ${peerId}: ${String(error)}`)));
  };
  if (role === 'offer') {
    step(async () => {
      await pc.setLocalDescription(await pc.createOffer());
      describe('offer', pc.localDescription?.sdp ?? '');
    });
  }

  return {
    channel,
    receive(kind, data) {
      const payload = parseSignalPayload({ kind, data });
      if (payload.kind === 'candidate') return step(() => pc.addIceCandidate(payload.candidate));
      if ((payload.kind === 'offer') !== (role === 'answer')) {
        throw new DeployNetError('FRAME_MALFORMED', `a ${payload.kind} for the ${role === 'offer' ? 'dialling' : 'answering'} side`);
      }
      step(async () => {
        await pc.setRemoteDescription({ type: payload.kind, sdp: payload.sdp });
        if (role === 'answer') {
          await pc.setLocalDescription(await pc.createAnswer());
          describe('answer', pc.localDescription?.sdp ?? '');
        }
      });
    },
    abort() {
      fail(new DeployNetError('CANCELLED', `relayed handshake with ${peerId} abandoned`));
    },
  };
}

/** FrameChannel over the relayed connection's data channel; closing it closes the connection. */
function relayedChannel(pc: RTCPeerConnection, dc: RTCDataChannel, peerId: string): FrameChannel {
  const closeHandlers: Array<() => void> = [];
  let closed = false;
  const closedNow = () => {
    if (closed) return;
    closed = true;
    for (const handler of closeHandlers) handler();
  };
  dc.addEventListener('close', closedNow);
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') closedNow();
  });
  return {
    peerId,
    send: backpressuredSend(dc, peerId),
    onFrame(handler) {
      dc.addEventListener('message', (event: MessageEvent<unknown>) => handler(event.data));
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
    close() {
      dc.close();
      pc.close();
      closedNow(); // a local close() fires no events on the connection
    },
  };
}
