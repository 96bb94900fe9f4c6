/**
 * The service worker's IndexedDB database `deploynet`, opened once and shared by its stores:
 * `trust` (trust-store.ts), `pins` (version-pins.ts) and, since version 3, `partials`
 * (partial-store.ts). Add a store: raise DB_VERSION and add it to STORES; `upgrade` creates the
 * stores a database lacks and keeps the others (and their records) as they are.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { PARTIALS_DB, PARTIALS_STORE_NAME } from '../core/index.js';

/** The page reads the partials store too (page-bridge/stored-chunks.ts): names shared in core. */
export const DB_NAME = PARTIALS_DB;
export const DB_VERSION = 3;
export const TRUST_STORE = 'trust';
export const PINS_STORE = 'pins';
export const PARTIALS_STORE = PARTIALS_STORE_NAME;
const STORES = [TRUST_STORE, PINS_STORE, PARTIALS_STORE];

let db: Promise<IDBPDatabase> | null = null;

export function openDeployNetDb(): Promise<IDBPDatabase> {
  db ??= openDB(DB_NAME, DB_VERSION, {
    upgrade(database) {
      for (const store of STORES) {
        if (!database.objectStoreNames.contains(store)) database.createObjectStore(store);
      }
    },
    // Let a later version of this SW upgrade the schema; reopen on the next use.
    blocking() {
      const closing = db;
      db = null;
      void closing?.then((d) => d.close());
    },
    terminated() {
      db = null;
    },
  }).catch((error: unknown) => {
    db = null;
    throw error;
  });
  return db;
}
