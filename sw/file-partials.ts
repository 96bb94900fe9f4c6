/**
 * One download's use of the partial store (partial-store.ts): the chunks an earlier, interrupted
 * download of the same file left, and the chunks this one verifies on the way.
 *
 * Storage makes a download resumable; it must never make one fail or wait long (invariant 7).
 * Private modes without IndexedDB, a full disk, a database that does not answer: the download
 * goes on without it. So nothing here throws: a failed or late read gives no stored chunks and
 * turns persistence off for this download; a failed write (quota) turns writing off, and the
 * chunks already stored are still cleaned up when the file is complete.
 *
 * Writes can wait (`keepAfterMs`): a download that is over within that time needs no resume, and
 * its chunks would be written only to be deleted once the file is cached (for a fast peer, about a
 * sixth of a transfer's CPU went to those writes). Chunks that arrive earlier are held and written
 * when the time is up, or at once when the download stops without its file (`flush`); `discard`
 * forgets them when the file is complete and goes to the cache.
 */
import type { PartialStore } from './partial-store.js';

/** How long a download waits for its file's stored chunks before it starts without them. */
export const STORED_CHUNKS_WAIT_MS = 2000;

/** The service worker's write delay (see keepAfterMs below): downloads over within a second write nothing. */
export const KEEP_AFTER_MS = 1000;

export class FilePartials {
  /** Null once the store failed to answer: this download no longer touches it. */
  #store: PartialStore | null;
  #writing = true;
  readonly #writes = new Set<Promise<void>>();
  readonly #sha256: string;
  readonly #waitMs: number;
  /** Chunks held until the write delay is over, with what hears them stored. */
  #held: Array<[number, Uint8Array, (() => void) | undefined]> = [];
  #delay: ReturnType<typeof setTimeout> | undefined;
  #writeFrom: number;

  /** `keepAfterMs`: how long after this download starts its chunks begin to be written (default 0: at once). */
  constructor(store: PartialStore, sha256: string, waitMs = STORED_CHUNKS_WAIT_MS, keepAfterMs = 0) {
    this.#store = store;
    this.#sha256 = sha256;
    this.#waitMs = waitMs;
    this.#writeFrom = Date.now() + keepAfterMs;
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
   * Stores a verified chunk, in the background; `flushed()` waits for it. `onStored` hears it once
   * it has landed (then the page may serve it to peers); never when it did not.
   */
  keep(index: number, bytes: Uint8Array, onStored?: () => void): void {
    const wait = this.#writeFrom - Date.now();
    if (wait > 0) {
      this.#held.push([index, bytes, onStored]);
      this.#delay ??= setTimeout(() => this.flush(), wait);
      return;
    }
    this.#write(index, bytes, onStored);
  }

  /** Writes the held chunks now, and every later one at once (the download stopped, or the delay is over). */
  flush(): void {
    this.#writeFrom = 0;
    clearTimeout(this.#delay);
    for (const [index, bytes, onStored] of this.#held.splice(0)) this.#write(index, bytes, onStored);
  }

  /** Forgets the held chunks, unwritten (the file is complete and goes to the cache). */
  discard(): void {
    clearTimeout(this.#delay);
    this.#held = [];
  }

  #write(index: number, bytes: Uint8Array, onStored?: () => void): void {
    const store = this.#store;
    if (!store || !this.#writing) return;
    const write = store.put(this.#sha256, index, exactBuffer(bytes)).then(
      () => onStored?.(),
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
    this.discard();
    await this.flushed(); // a write landing after the delete would leave the chunk behind
    await this.#store?.drop(this.#sha256).catch((error: unknown) => console.warn(`[deploynet] could not drop the stored chunks of ${this.#sha256}`, error));
  }

  #disable(why: string, error?: unknown): void {
    this.#store = null;
    console.warn(`[deploynet] ${why}; ${this.#sha256} downloads without resume`, ...(error === undefined ? [] : [error]));
  }
}

/** An ArrayBuffer holding exactly these bytes (storing a view would store its whole buffer). */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}
