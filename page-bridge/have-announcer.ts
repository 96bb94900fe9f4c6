/**
 * Tells every link what this visitor holds (holdings.ts): a new link hears HAVE and one
 * HAVE_CHUNKS per file being downloaded at once; later changes go to every link batched, at most
 * once per HAVE_DEBOUNCE_MS (a 32 MiB download stores 128 chunks: one frame per batch, not per
 * chunk). A download that starts is announced at once, though: visitors of a new swarm that start
 * the same file together must hear of each other before they split it (chunk-sources.ts), and
 * every millisecond they do not, they fetch the same chunks from the origin. Nothing goes out before the first look at the cache is done (`setReady`): a HAVE that
 * says "nothing" would make links skip this visitor until the next one.
 */
import type { HaveChunksFrame, HaveFrame } from '../core/index.js';
import { realTimers, type DownloadTimers } from './download-options.js';
import type { Holdings } from './holdings.js';

export const HAVE_DEBOUNCE_MS = 100;

/** What the announcer needs of a link: PeerLink has it. */
export interface HaveLink {
  readonly peerId: string;
  readonly isOpen: boolean;
  sendMesh(frame: HaveFrame | HaveChunksFrame): Promise<void>;
}

export class HaveAnnouncer {
  private ready = false;
  private wholeChanged = false;
  private readonly filesChanged = new Set<string>();
  /** Files whose download links have heard of (a HAVE_CHUNKS went out). */
  private readonly announced = new Set<string>();
  private timer: unknown;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly holdings: Holdings,
    private readonly links: () => ReadonlyMap<string, HaveLink>,
    private readonly debounceMs = HAVE_DEBOUNCE_MS,
    /** The debounce's timers: the global ones, or a simulator's clock (test/sim) that runs this class on simulated time. */
    private readonly timers: DownloadTimers = realTimers,
  ) {
    this.unsubscribe = holdings.onSelfChange((sha256) => {
      if (sha256 === null) this.wholeChanged = true;
      else this.filesChanged.add(sha256);
      if (sha256 !== null && !this.announced.has(sha256)) this.flush();
      else this.schedule();
    });
  }

  /** The whole-file holdings are known: every link hears them now, and every new link at once. */
  setReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const link of this.links().values()) this.tellAll(link);
  }

  linkOpened(link: HaveLink): void {
    if (this.ready) this.tellAll(link);
  }

  stop(): void {
    this.timers.clearTimeout(this.timer);
    this.unsubscribe();
  }

  private tellAll(link: HaveLink): void {
    this.send(link, this.holdings.haveFrame());
    for (const sha of this.holdings.downloadingFiles()) {
      const frame = this.holdings.haveChunksFrame(sha);
      if (frame) this.send(link, frame);
      this.announced.add(sha);
    }
  }

  private schedule(): void {
    if (!this.ready || this.timer !== undefined) return;
    this.timer = this.timers.setTimeout(() => this.flush(), this.debounceMs);
  }

  private flush(): void {
    if (!this.ready) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const frames: Array<HaveFrame | HaveChunksFrame> = [];
    if (this.wholeChanged) frames.push(this.holdings.haveFrame());
    for (const sha of this.filesChanged) {
      const frame = this.holdings.haveChunksFrame(sha); // null once whole: the HAVE says it
      if (frame) frames.push(frame);
      this.announced.add(sha);
    }
    this.wholeChanged = false;
    this.filesChanged.clear();
    for (const link of this.links().values()) for (const frame of frames) this.send(link, frame);
  }

  private send(link: HaveLink, frame: HaveFrame | HaveChunksFrame): void {
    if (!link.isOpen) return;
    // A closing link's close handler cleans up; a frame the wire cannot carry (a manifest of more
    // files than a HAVE holds) leaves links "unknown", as before HAVE existed.
    link.sendMesh(frame).catch(() => undefined);
  }
}
