/**
 * The manifest in force in this service worker. The first one comes from the origin (invariant 4);
 * the accepted envelope and the highest accepted version (the rollback floor) persist in a
 * TrustStore and are re-verified whenever the SW starts again. A candidate that fails any check
 * (signature, key, expiry, version below the floor, or another envelope at the floor's version)
 * is refused, the previous manifest stays in force, and `error` tells why (invariant 3).
 * A manifest past its `expires` is not in force, whether stored or in memory (freeze); the floor
 * stays regardless.
 *
 * Older accepted manifests are retained (and persisted) while pages loaded under them are open,
 * so such a page keeps getting its own version's files after a deploy (see version-pins.ts).
 */
import {
  DeployNetError,
  MANIFEST_PATH,
  errorMessage,
  isDeployNetError,
  verifyManifest,
  type CryptoProvider,
  type ErrorCode,
  type WorkerConfig,
  type VerifiedManifest,
} from '../core/index.js';
import type { TrustStore } from './trust-store.js';

export interface ManifestStoreDeps {
  readonly config: WorkerConfig;
  readonly crypto: CryptoProvider;
  /** Persistent trust state: idbTrustStore() in the SW, MemoryTrustStore in tests. */
  readonly trust: TrustStore;
  readonly fetch: typeof fetch;
  readonly origin: string;
  readonly now: () => number;
}

export class ManifestStore {
  #current: VerifiedManifest | null = null;
  #currentExpires = 0;
  /** Highest version accepted on this device (0: none yet) and the envelope accepted with it. */
  #floor = 0;
  #floorEnvelope: string | null = null;
  #lastError: ErrorCode | null = null;
  #loading: Promise<void> | null = null;
  #loaded = false;
  #refreshing: Promise<void> = Promise.resolve();
  /** Older versions still pinned by open pages. */
  readonly #retained = new Map<number, VerifiedManifest>();

  readonly #deps: ManifestStoreDeps;

  constructor(deps: ManifestStoreDeps) {
    this.#deps = deps;
  }

  /** The verified manifest in force, or null (passthrough). One that has expired is dropped here. */
  get manifest(): VerifiedManifest | null {
    if (this.#current && this.#currentExpires <= this.#deps.now()) {
      this.#current = null;
      this.#lastError = 'MANIFEST_EXPIRED';
    }
    return this.#current;
  }

  /**
   * The manifest a page pinned to `version` is served from: that version while it is retained,
   * else the one in force. Null when none is in force.
   */
  manifestFor(version: number | undefined): VerifiedManifest | null {
    const current = this.manifest;
    if (!current || version === undefined || version === current.manifest.version) return current;
    const old = this.#retained.get(version);
    return old && Date.parse(old.manifest.expires) > this.#deps.now() ? old : current;
  }

  /** Content hashes of every manifest still served (in force or retained). */
  hashesInUse(): Set<string> {
    const out = new Set<string>();
    for (const m of [this.manifest, ...this.#retained.values()]) {
      if (m) for (const f of Object.values(m.manifest.files)) out.add(f.sha256);
    }
    return out;
  }

  /** Keeps only the older versions still pinned by open pages (and persists that). */
  async retain(inUse: ReadonlySet<number>): Promise<void> {
    let changed = false;
    for (const version of [...this.#retained.keys()]) {
      if (!inUse.has(version)) {
        this.#retained.delete(version);
        changed = true;
      }
    }
    if (changed) await this.#persist().catch((error: unknown) => console.warn('[deploynet] could not persist retained manifests', error));
  }

  /** True once the stored manifest has been looked at since this SW started. */
  get settled(): boolean {
    return this.#loaded;
  }

  /** Why the last manifest was refused (even while an earlier one stays in force); null after one is accepted. */
  get error(): ErrorCode | null {
    void this.manifest;
    return this.#lastError;
  }

  /** The rollback floor: the highest version accepted on this device, 0 when none. */
  get highestVersion(): number {
    return this.#floor;
  }

  /** Resolves once the stored manifest (if any) has been loaded after a SW start. */
  ready(): Promise<void> {
    this.#loading ??= this.#loadStored();
    return this.#loading;
  }

  /** Fetches the origin's manifest and accepts it if it verifies. Never throws; one at a time. */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing.then(() => this.#refreshOnce());
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    await this.ready();
    try {
      const response = await this.#deps.fetch(`${this.#deps.origin}${MANIFEST_PATH}`, { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) throw new DeployNetError('MANIFEST_UNAVAILABLE', `the origin answered ${response.status} for ${MANIFEST_PATH}`);
      await this.#accept(await response.text());
    } catch (error) {
      this.#lastError = isDeployNetError(error) ? error.code : 'MANIFEST_UNAVAILABLE';
      console.warn('[deploynet] manifest refused:', errorMessage(error));
    }
  }

  async #accept(envelopeText: string): Promise<void> {
    const verified = await this.#verify(envelopeText);
    const { version, keyId } = verified.manifest;
    if (version === this.#floor && envelopeText !== this.#floorEnvelope) {
      throw new DeployNetError('MANIFEST_ROLLBACK', `another manifest with version ${version} was already accepted`, { version, minVersion: this.#floor });
    }
    if (envelopeText !== this.#floorEnvelope) {
      const previous = this.#current;
      if (previous && previous.manifest.version < version) this.#retained.set(previous.manifest.version, previous);
      try {
        await this.#save(version, envelopeText, keyId);
      } catch (error) {
        // The store refusing (a floor raised by another SW instance) refuses the candidate; a
        // storage failure does not: the manifest holds for this SW's life, as on a first visit.
        if (isDeployNetError(error)) throw error;
        console.warn('[deploynet] could not persist the manifest:', errorMessage(error));
      }
      this.#floor = version;
      this.#floorEnvelope = envelopeText;
    }
    this.#setCurrent(verified);
    this.#lastError = null;
  }

  /** Stores the floor's envelope with the retained ones (the newest 8). */
  #save(highestVersion: number, envelope: string, keyId: string): Promise<void> {
    const retained = [...this.#retained.values()].map((m) => m.envelopeText).slice(-8);
    return this.#deps.trust.save({ highestVersion, envelope, keyId, acceptedAt: this.#deps.now(), retained });
  }

  async #persist(): Promise<void> {
    if (this.#floorEnvelope && this.#current) await this.#save(this.#floor, this.#floorEnvelope, this.#current.manifest.keyId);
  }

  #verify(envelopeText: string): Promise<VerifiedManifest> {
    return verifyManifest(envelopeText, this.#deps.config, {
      crypto: this.#deps.crypto,
      now: this.#deps.now(),
      ...(this.#floor > 0 ? { minVersion: this.#floor } : {}),
    });
  }

  #setCurrent(verified: VerifiedManifest): void {
    this.#current = verified;
    this.#currentExpires = Date.parse(verified.manifest.expires);
  }

  async #loadStored(): Promise<void> {
    try {
      const stored = await this.#deps.trust.load();
      if (!stored) return;
      // The floor holds even when the stored envelope no longer verifies (expired, rotated key).
      this.#floor = stored.highestVersion;
      this.#floorEnvelope = stored.envelope;
      for (const envelope of stored.retained ?? []) {
        // An older version: checked for signature, key and expiry, not against the floor.
        const old = await verifyManifest(envelope, this.#deps.config, { crypto: this.#deps.crypto, now: this.#deps.now() }).catch(() => null);
        if (old && old.manifest.version < this.#floor) this.#retained.set(old.manifest.version, old);
      }
      const verified = await this.#verify(stored.envelope);
      this.#floor = Math.max(this.#floor, verified.manifest.version);
      this.#setCurrent(verified);
    } catch (error) {
      this.#lastError = isDeployNetError(error) ? error.code : 'MANIFEST_UNAVAILABLE';
      console.warn('[deploynet] stored manifest not in force:', errorMessage(error));
    } finally {
      this.#loaded = true;
    }
  }
}
