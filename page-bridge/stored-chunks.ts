/**
 * Reads chunks of partly downloaded files from the SW's partial store (IndexedDB database
 * PARTIALS_DB, store PARTIALS_STORE_NAME, key [sha256, index]; layout in sw/partial-store.ts), so
 * this visitor can serve them. Read only, and never in the SW's way: the database is opened
 * without a version (it never creates or upgrades a schema) only once there is something to read,
 * and this connection closes as soon as the SW wants to upgrade it. No store, no database, an
 * error: nothing stored, the peer hears NotFound and asks someone else.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { PARTIALS_DB, PARTIALS_STORE_NAME } from '../core/index.js';
import type { StoredChunks } from './content-provider.js';

export function idbStoredChunks(holds: StoredChunks['holds']): StoredChunks {
  let db: Promise<IDBPDatabase> | null = null;
  const open = () =>
    (db ??= openDB(PARTIALS_DB, undefined, {
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
    }));
  return {
    holds,
    async read(sha256, index) {
      const database = await open();
      if (!database.objectStoreNames.contains(PARTIALS_STORE_NAME)) return undefined;
      const value: unknown = await database.get(PARTIALS_STORE_NAME, [sha256, index]);
      // A Blob, as the SW stores chunks (sw/partial-store.ts); anything else is not a chunk.
      return value instanceof Blob ? new Uint8Array(await value.arrayBuffer()) : undefined;
    },
  };
}
