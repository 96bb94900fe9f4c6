/**
 * Who holds what, for the manifest this page runs: this visitor (told by its SW, chunks-held in
 * core/bridge-messages.ts) and each link (its HAVE and HAVE_CHUNKS frames, core/wire-have.ts).
 * The scheduler asks only links that hold a chunk, and learns who else is downloading a file
 * (rendezvous in a new swarm, origin-share.ts); the announcer (have-announcer.ts) tells links
 * what this visitor holds. Pure: no I/O, no timers.
 *
 * A link that sent no valid HAVE yet is "unknown" for everything (as before HAVE existed: it may
 * be asked). A HAVE for another manifest version or file count, or a HAVE_CHUNKS for a file this
 * manifest does not list (or lists with another chunk count), is ignored: it cannot be mapped.
 */
import { chunkCount, type HaveChunksFrame, type HaveFrame, type Manifest } from '../core/index.js';

export type Held = 'yes' | 'no' | 'unknown';

interface LinkHoldings {
  /** Hashes of the files it holds whole, from its last HAVE; null before one came. */
  whole: ReadonlySet<string> | null;
  /** Files it is downloading: hash → chunks held, from its last HAVE_CHUNKS per file. */
  readonly chunks: Map<string, ReadonlySet<number>>;
}

export class Holdings {
  /** File hashes in sorted path order: bit i of a HAVE is paths[i]'s file. */
  private readonly order: readonly string[];
  private readonly chunkCounts = new Map<string, number>();
  private readonly selfWhole = new Set<string>();
  private readonly selfChunks = new Map<string, Set<number>>();
  private readonly links = new Map<string, LinkHoldings>();
  private readonly linkListeners = new Set<() => void>();
  private readonly selfListeners = new Set<(sha256: string | null) => void>();

  constructor(private readonly manifest: Manifest) {
    const paths = Object.keys(manifest.files).sort();
    this.order = paths.map((p) => manifest.files[p]!.sha256);
    for (const p of paths) this.chunkCounts.set(manifest.files[p]!.sha256, chunkCount(manifest.files[p]!.size, manifest.chunkSize));
  }

  // --- this visitor ---

  /** The whole file is in Cache Storage. */
  holdWhole(sha256: string): void {
    if (!this.chunkCounts.has(sha256) || this.selfWhole.has(sha256)) return;
    this.selfWhole.add(sha256);
    this.selfChunks.delete(sha256);
    this.changedSelf(null);
  }

  /** This visitor is downloading the file (an empty `indices` says so) and holds these chunks. */
  holdChunks(sha256: string, indices: readonly number[]): void {
    const count = this.chunkCounts.get(sha256);
    if (count === undefined || this.selfWhole.has(sha256)) return;
    const known = this.selfChunks.get(sha256);
    const set = known ?? new Set<number>();
    const before = set.size;
    for (const i of indices) if (i < count) set.add(i);
    this.selfChunks.set(sha256, set);
    if (!known || set.size !== before) this.changedSelf(sha256);
  }

  /** Whether this visitor holds (stored or cached) every chunk in `indices` of the file. */
  selfHolds(sha256: string, indices: readonly number[]): boolean {
    if (this.selfWhole.has(sha256)) return true;
    const set = this.selfChunks.get(sha256);
    return set !== undefined && indices.every((i) => set.has(i));
  }

  /** This visitor's HAVE. */
  haveFrame(): HaveFrame {
    const files: number[] = [];
    for (let i = 0; i < this.order.length; i++) if (this.selfWhole.has(this.order[i]!)) files.push(i);
    return { type: 'have', id: 0, version: this.manifest.version, count: this.order.length, files };
  }

  /** This visitor's HAVE_CHUNKS for one file it is downloading, or null when it is not. */
  haveChunksFrame(sha256: string): HaveChunksFrame | null {
    const set = this.selfChunks.get(sha256);
    if (!set) return null;
    return { type: 'have-chunks', id: 0, sha256, count: this.chunkCounts.get(sha256)!, chunks: [...set].sort((a, b) => a - b) };
  }

  /** Files this visitor is downloading. */
  downloadingFiles(): string[] {
    return [...this.selfChunks.keys()];
  }

  /** Hears each change of this visitor's holdings: the file (null: the whole-file set). */
  onSelfChange(listener: (sha256: string | null) => void): () => void {
    this.selfListeners.add(listener);
    return () => this.selfListeners.delete(listener);
  }

  // --- links ---

  /** A HAVE or HAVE_CHUNKS frame from a link; ignored when it does not fit this manifest. */
  heard(linkId: string, frame: HaveFrame | HaveChunksFrame): void {
    const link: LinkHoldings = this.links.get(linkId) ?? { whole: null, chunks: new Map() };
    if (frame.type === 'have') {
      if (frame.version !== this.manifest.version || frame.count !== this.order.length) return;
      link.whole = new Set(frame.files.map((i) => this.order[i]!));
      for (const sha of link.whole) link.chunks.delete(sha);
    } else {
      if (this.chunkCounts.get(frame.sha256) !== frame.count) return;
      if (link.whole?.has(frame.sha256)) return;
      link.chunks.set(frame.sha256, new Set(frame.chunks));
    }
    this.links.set(linkId, link);
    for (const listener of [...this.linkListeners]) listener();
  }

  /** The link closed: forget what it held. */
  forget(linkId: string): void {
    if (this.links.delete(linkId)) for (const listener of [...this.linkListeners]) listener();
  }

  /** Whether the link holds chunk `index` of the file, by what it announced. */
  holds(linkId: string, sha256: string, index: number): Held {
    const link = this.links.get(linkId);
    if (link?.whole?.has(sha256)) return 'yes';
    const chunks = link?.chunks.get(sha256);
    if (chunks) return chunks.has(index) ? 'yes' : 'no';
    return link?.whole ? 'no' : 'unknown';
  }

  /** Links whose HAVE for this manifest has arrived (the others are asked only as a last resort). */
  announcedLinks(): number {
    let n = 0;
    for (const link of this.links.values()) if (link.whole !== null) n++;
    return n;
  }

  /** Links that announced they are downloading the file (and do not hold it whole). */
  downloaders(sha256: string): string[] {
    return [...this.links].filter(([, l]) => l.chunks.has(sha256) && !l.whole?.has(sha256)).map(([id]) => id);
  }

  /** Files the link holds whole that this visitor does not, and chunks of files it is downloading. */
  usefulTo(linkId: string): number {
    const link = this.links.get(linkId);
    if (!link) return 0;
    let n = 0;
    for (const sha of link.whole ?? []) if (!this.selfWhole.has(sha)) n += this.chunkCounts.get(sha) ?? 0;
    for (const [sha, set] of link.chunks) for (const i of set) if (!this.selfHolds(sha, [i])) n++;
    return n;
  }

  /** Hears every change of what links hold; returns an unsubscribe. */
  onLinkChange(listener: () => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  private changedSelf(sha256: string | null): void {
    for (const listener of [...this.selfListeners]) listener(sha256);
  }
}
