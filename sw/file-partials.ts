/**
 * One download's use of the partial store (partial-store.ts): the chunks an earlier, interrupted
 * download of the same file left, and the chunks this one verifies on the way.
 *
 * Storage makes a download resumable; it must never make one fail or wait long (invariant 7).
 * Private modes without IndexedDB, a full disk, a database that does not answer: the download
 * goes on without it. So nothing here throws: a failed or late read gives no stored chunks and
 * turns persistence off for this download; a failed write (quota) turns writing off, and the
 * chunks already stored are still cleaned up when the file is complete.
 */
import type { ByteParts } from '../core/index.js';
import type { PartialStore } from './partial-store.js';

/** How long a download waits for its file's stored chunks before it starts without them. */
export const STORED_CHUNKS_WAIT_MS = 2000;

export class FilePartials {
  /** Null once the store failed to answer: this download no longer touches it. */
  #store: PartialStore | null;
  #writing = true;
  readonly #writes = new Set<Promise<void>>();
  readonly #sha256: string;
  readonly #waitMs: number;

  constructor(store: PartialStore, sha256: string, waitMs = STORED_CHUNKS_WAIT_MS) {
    this.#store = store;
    this.#sha256 = sha256;
    this.#waitMs = waitMs;
  }

  /** The stored chunks of the file, by index; not verified: the caller checks each one. */
  async load(): Promise<ReadonlyMap<number, Uint8Array>> {
    const store = this.#store;
    if (!store) return new Map();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.#waitMs)));
    try {
      const stored = await Promise.race([store.load(this.#sha256), late]);
      if (stored !== 'late') return stored;
      this.#disable(`the partial store did not answer within ${this.#waitMs} ms`);
    } catch (error) {
      this.#disable('the partial store could not be read', error);
    } finally {
      clearTimeout(timer);
    }
    return new Map();
  }

  /**
   * Stores a verified chunk, in the background; `flushed()` waits for it. `onStored` hears its
   * index once it has landed (then the page may serve it to peers); never when it did not.
   */
  keep(index: number, parts: ByteParts, onStored?: (index: number) => void): void {
    const store = this.#store;
    if (!store || !this.#writing) return;
    const write = store.put(this.#sha256, index, parts).then(
      () => onStored?.(index),
      (error: unknown) => {
        if (!this.#writing) return;
        this.#writing = false;
        console.warn(`[deploynet] could not keep chunk ${index}; ${this.#sha256} downloads without resume`, error);
      },
    );
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  /** Settles once every write started so far has (they never reject). */
  async flushed(): Promise<void> {
    await Promise.all([...this.#writes]);
  }

  /** The file is complete and cached: its stored chunks are not needed any more. Never throws. */
  async drop(): Promise<void> {
    await this.flushed(); // a write landing after the delete would leave the chunk behind
    await this.#store?.drop(this.#sha256).catch((error: unknown) => console.warn(`[deploynet] could not drop the stored chunks of ${this.#sha256}`, error));
  }

  #disable(why: string, error?: unknown): void {
    this.#store = null;
    console.warn(`[deploynet] ${why}; ${this.#sha256} downloads without resume`, ...(error === undefined ? [] : [error]));
  }
}

