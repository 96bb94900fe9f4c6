/**
 * HAVE announcements on simulated time, by have-announcer.ts's rules (that class uses the global
 * timers): every new link hears HAVE and a HAVE_CHUNKS per file being downloaded; a download that
 * starts is announced at once; later changes go out batched, at most once per HAVE_DEBOUNCE_MS.
 * The frames themselves are Holdings' (the real haveFrame and haveChunksFrame).
 */
import type { HaveChunksFrame, HaveFrame } from '../../core/index.js';
import { HAVE_DEBOUNCE_MS } from '../../page-bridge/have-announcer.js';
import type { Holdings } from '../../page-bridge/holdings.js';
import type { SimClock, SimEvent } from './event-queue.js';
import type { SimLink } from './sim-link.js';

export class SimAnnouncer {
  private ready = false;
  private wholeChanged = false;
  private readonly filesChanged = new Set<string>();
  private readonly announced = new Set<string>();
  private timer: SimEvent | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly clock: SimClock,
    private readonly holdings: Holdings,
    private readonly links: () => Iterable<SimLink>,
  ) {
    this.unsubscribe = holdings.onSelfChange((sha256) => {
      if (sha256 === null) this.wholeChanged = true;
      else this.filesChanged.add(sha256);
      if (sha256 !== null && !this.announced.has(sha256)) this.flush();
      else if (this.ready && this.timer === undefined) this.timer = this.clock.schedule(HAVE_DEBOUNCE_MS, () => this.flush());
    });
  }

  /** The cache was looked at: the links so far hear everything, new ones at once. */
  setReady(links: Iterable<SimLink>): void {
    if (this.ready) return;
    this.ready = true;
    for (const link of links) this.tellAll(link);
  }

  linkOpened(link: SimLink): void {
    if (this.ready) this.tellAll(link);
  }

  stop(): void {
    this.clock.cancel(this.timer);
    this.unsubscribe();
  }

  private tellAll(link: SimLink): void {
    const frames: Array<HaveFrame | HaveChunksFrame> = [this.holdings.haveFrame()];
    for (const sha of this.holdings.downloadingFiles()) {
      const frame = this.holdings.haveChunksFrame(sha);
      if (frame) frames.push(frame);
      this.announced.add(sha);
    }
    link.sendHave(frames);
  }

  private flush(): void {
    if (!this.ready) return;
    this.clock.cancel(this.timer);
    this.timer = undefined;
    const frames: Array<HaveFrame | HaveChunksFrame> = [];
    if (this.wholeChanged) frames.push(this.holdings.haveFrame());
    for (const sha of this.filesChanged) {
      const frame = this.holdings.haveChunksFrame(sha);
      if (frame) frames.push(frame);
      this.announced.add(sha);
    }
    this.wholeChanged = false;
    this.filesChanged.clear();
    for (const link of this.links()) link.sendHave(frames);
  }
}
