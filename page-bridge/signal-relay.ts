/**
 * The relay rule for SIGNAL frames (core/wire-mesh.ts), pure. A visitor delivers a SIGNAL that is
 * addressed to it, and forwards one that is addressed to another peer only when the link it came
 * in on is its sender: a relay speaks for nobody but its own links, so a message travels one hop
 * and never loops, and a peer cannot make a relay put words in another peer's mouth. Where a
 * forwarded message may go (an open, unbanned link of this visitor, and nowhere else) is checked
 * by the caller, which holds the links.
 *
 * What a relay vouches for is no more than what a PeerJS server vouches for: that `from` is the
 * id its sender connected with. Ids are claims; content is verified by hash whoever sends it.
 */
import type { SignalFrame } from '../core/index.js';

/**
 * deliver: for this visitor. forward: to the link named `to`. drop: pointless but harmless (to
 * oneself, or back to the sender). forged: `from` is not the link it came on, and not for us.
 */
export type SignalRoute = 'deliver' | 'forward' | 'drop' | 'forged';

export function routeSignal(frame: Pick<SignalFrame, 'from' | 'to'>, sender: string, self: string): SignalRoute {
  if (frame.to === self) return frame.from === self ? 'drop' : 'deliver';
  if (frame.from !== sender) return 'forged';
  return frame.to === sender ? 'drop' : 'forward';
}

/**
 * How many SIGNAL frames one link may make this visitor handle: `burst` at once, refilled at
 * `perSecond`. Synchronous on purpose: a frame over budget is dropped, never queued.
 */
export class MessageBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = Math.max(this.last, now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
