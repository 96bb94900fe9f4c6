/**
 * The service worker's persistent trust state: the highest manifest version this device has
 * accepted (the rollback floor, invariant 3) and the envelope that was accepted with it, so a
 * restarted SW can re-verify it. One record per origin (IndexedDB is per origin): the floor is
 * not per key, so a manifest signed by a rotated key must not go below it either.
 *
 * Two implementations: IndexedDB through `idb` (database `deploynet`, store `trust`) for the SW,
 * and an in-memory one for unit tests. Both parse what they read back (never trust the stored
 * shape) and both refuse to lower the floor, even if a caller asks.
 */
import { TRUST_STORE, openDeployNetDb } from './idb-database.js';
import { DeployNetError, KEY_ID, array, int, record, str } from '../core/index.js';

export interface TrustRecord {
  /** Highest manifest version accepted on this device: nothing lower is ever accepted again. */
  readonly highestVersion: number;
  /** The signed envelope accepted at that version, exactly as received. */
  readonly envelope: string;
  /** Key id the envelope was signed with. */
  readonly keyId: string;
  /** Milliseconds since the epoch. */
  readonly acceptedAt: number;
  /** Envelopes of older versions that open pages were loaded under (version-pins.ts). */
  readonly retained?: readonly string[];
}

const MAX_RETAINED = 8;

export interface TrustStore {
  load(): Promise<TrustRecord | undefined>;
  /** Throws MANIFEST_ROLLBACK when `record` would lower the stored highest version. */
  save(record: TrustRecord): Promise<void>;
}

export { TRUST_STORE };
/** The one record's key in the `trust` store. */
export const TRUST_KEY = 'current';

/** Validates a record read back from storage (or anything else from outside). */
export function parseTrustRecord(value: unknown): TrustRecord {
  const code = 'MANIFEST_MALFORMED';
  const r = record(value, 'stored trust record', code);
  return {
    highestVersion: int(r.highestVersion, 'trust.highestVersion', code, 1, Number.MAX_SAFE_INTEGER),
    envelope: str(r.envelope, 'trust.envelope', code, /^\{/),
    keyId: str(r.keyId, 'trust.keyId', code, KEY_ID),
    acceptedAt: int(r.acceptedAt, 'trust.acceptedAt', code, 0, Number.MAX_SAFE_INTEGER),
    ...(r.retained === undefined ? {} : { retained: array(r.retained, 'trust.retained', code, MAX_RETAINED).map((e, i) => str(e, `trust.retained[${i}]`, code, /^\{/)) }),
  };
}

/** The floor only goes up. A stored value that does not parse does not hold it (it is replaced). */
function checkNotLower(stored: unknown, next: TrustRecord): void {
  let floor: number;
  try {
    floor = parseTrustRecord(stored).highestVersion;
  } catch {
    return;
  }
  if (next.highestVersion < floor) {
    throw new DeployNetError('MANIFEST_ROLLBACK', `manifest version ${next.highestVersion} is older than version ${floor} already accepted`, {
      version: next.highestVersion,
      minVersion: floor,
    });
  }
}

/** For unit tests. `initial` is stored as given, so tests can plant a corrupt record. */
export class MemoryTrustStore implements TrustStore {
  constructor(private stored: unknown = undefined) {}

  async load(): Promise<TrustRecord | undefined> {
    return this.stored === undefined ? undefined : parseTrustRecord(this.stored);
  }

  async save(next: TrustRecord): Promise<void> {
    checkNotLower(this.stored, next);
    this.stored = { ...next };
  }
}

/** The SW's store, in the shared `deploynet` database (idb-database.ts). */
export function idbTrustStore(): TrustStore {
  const open = openDeployNetDb;
  return {
    async load() {
      const stored: unknown = await (await open()).get(TRUST_STORE, TRUST_KEY);
      return stored === undefined ? undefined : parseTrustRecord(stored);
    },
    async save(next) {
      const tx = (await open()).transaction(TRUST_STORE, 'readwrite');
      // Read and write in one transaction, so two SW instances cannot race the floor down.
      try {
        checkNotLower(await tx.store.get(TRUST_KEY), next);
      } catch (error) {
        try {
          tx.abort();
        } catch {
          // the transaction has already ended
        }
        await tx.done.catch(() => undefined);
        throw error;
      }
      await Promise.all([tx.store.put({ ...next }, TRUST_KEY), tx.done]);
    },
  };
}
