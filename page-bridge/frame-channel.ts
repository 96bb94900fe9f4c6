/**
 * A message-oriented, ordered, reliable byte channel to one peer. The PeerJS adapter implements it
 * over an RTCDataChannel; tests wire two in-memory ends back to back.
 */
export interface FrameChannel {
  readonly peerId: string;
  /** Resolves once the frame is handed to the transport, waiting while its buffer is full. */
  send(frame: Uint8Array): Promise<void>;
  onFrame(handler: (data: unknown) => void): void;
  onClose(handler: () => void): void;
  close(): void;
}

/** Two connected in-memory channels, for tests. Frames are delivered asynchronously, in order. */
export function channelPair(aId: string, bId: string): [FrameChannel, FrameChannel] {
  type End = { frame?: (d: unknown) => void; closed: boolean; onClose: Array<() => void> };
  const ends: [End, End] = [{ closed: false, onClose: [] }, { closed: false, onClose: [] }];
  const make = (self: End, other: End, peerId: string): FrameChannel => ({
    peerId,
    async send(frame) {
      if (self.closed) throw new Error('channel closed');
      const copy = frame.slice().buffer;
      queueMicrotask(() => {
        if (!other.closed) other.frame?.(copy);
      });
    },
    onFrame(handler) {
      self.frame = handler;
    },
    onClose(handler) {
      self.onClose.push(handler);
    },
    close() {
      for (const end of ends) {
        if (end.closed) continue;
        end.closed = true;
        for (const h of end.onClose) h();
      }
    },
  });
  // a's channel talks to b (its peerId is b's id) and the other way round.
  return [make(ends[0], ends[1], bId), make(ends[1], ends[0], aId)];
}
