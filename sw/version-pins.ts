/**
 * Which manifest version each page was loaded under, so that a deploy never mixes versions inside
 * a page (issue 3: "a page that loaded under version N gets only version-N assets; the next
 * navigation gets N+1"). A navigation pins its new page to the manifest in force; the page's
 * later requests are served from that version's manifest while the page lives.
 *
 * Pins persist (IndexedDB, store `pins` of the `deploynet` database) because the browser stops an
 * idle service worker at will, and a page may outlive many SW starts, or a SW update.
 */
import { int, record } from '../core/index.js';
import { PINS_STORE, openDeployNetDb } from './idb-database.js';

export type Pins = Readonly<Record<string, number>>;

export interface PinStore {
  load(): Promise<Pins>;
  save(pins: Pins): Promise<void>;
}

const MAX_PINS = 1000;

/** Validates pins read back from storage; anything malformed is dropped, never trusted. */
export function parsePins(value: unknown): Pins {
  const out: Record<string, number> = {};
  let entries: [string, unknown][];
  try {
    entries = Object.entries(record(value, 'pins', 'BAD_CONFIG')).slice(0, MAX_PINS);
  } catch {
    return out;
  }
  for (const [clientId, version] of entries) {
    try {
      out[clientId] = int(version, 'pin', 'BAD_CONFIG', 1, Number.MAX_SAFE_INTEGER);
    } catch {
      // skip it
    }
  }
  return out;
}

export class VersionPins {
  #pins: Record<string, number> = {};
  #loading: Promise<void> | null = null;

  readonly #store: PinStore;

  constructor(store: PinStore) {
    this.#store = store;
  }

  ready(): Promise<void> {
    this.#loading ??= this.#store.load().then(
      (pins) => void (this.#pins = { ...pins, ...this.#pins }),
      () => undefined,
    );
    return this.#loading;
  }

  /** The version a page was loaded under; undefined for a page this SW has never seen. */
  versionOf(clientId: string | undefined): number | undefined {
    return clientId === undefined ? undefined : this.#pins[clientId];
  }

  async pin(clientId: string, version: number): Promise<void> {
    await this.ready();
    if (this.#pins[clientId] === version) return;
    this.#pins[clientId] = version;
    await this.#persist();
  }

  /** Forgets pages that are gone; returns the versions still in use. */
  async prune(liveClientIds: ReadonlySet<string>): Promise<Set<number>> {
    await this.ready();
    const kept: Record<string, number> = {};
    for (const [id, version] of Object.entries(this.#pins)) if (liveClientIds.has(id)) kept[id] = version;
    const changed = Object.keys(kept).length !== Object.keys(this.#pins).length;
    this.#pins = kept;
    if (changed) await this.#persist();
    return new Set(Object.values(kept));
  }

  async #persist(): Promise<void> {
    await this.#store.save({ ...this.#pins }).catch((error: unknown) => console.warn('[deploynet] could not save version pins', error));
  }
}

export class MemoryPinStore implements PinStore {
  constructor(public stored: unknown = undefined) {}
  async load(): Promise<Pins> {
    return parsePins(this.stored);
  }
  async save(pins: Pins): Promise<void> {
    this.stored = { ...pins };
  }
}

const PINS_KEY = 'current';

export function idbPinStore(): PinStore {
  return {
    async load() {
      return parsePins(await (await openDeployNetDb()).get(PINS_STORE, PINS_KEY));
    },
    async save(pins) {
      await (await openDeployNetDb()).put(PINS_STORE, { ...pins }, PINS_KEY);
    },
  };
}
