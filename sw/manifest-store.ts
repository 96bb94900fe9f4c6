/**
 * The manifest in force in this service worker. The first one comes from the origin (invariant 4);
 * the accepted envelope is kept in Cache Storage and re-verified whenever the SW starts again.
 * A manifest that fails any check is refused and the previous one stays in force (invariant 3).
 */
import {
  DeployNetError,
  MANIFEST_PATH,
  META_CACHE,
  isDeployNetError,
  verifyManifest,
  type CryptoProvider,
  type ErrorCode,
  type SiteConfig,
  type VerifiedManifest,
} from '../core/index.js';

export interface ManifestStoreDeps {
  readonly config: SiteConfig;
  readonly crypto: CryptoProvider;
  readonly caches: CacheStorage;
  readonly fetch: typeof fetch;
  readonly origin: string;
  readonly now: () => number;
}

export class ManifestStore {
  private current: VerifiedManifest | null = null;
  private lastError: ErrorCode | null = null;
  private loading: Promise<void> | null = null;
  private loaded = false;

  constructor(private readonly deps: ManifestStoreDeps) {}

  get manifest(): VerifiedManifest | null {
    return this.current;
  }

  /** True once the stored manifest has been looked at since this SW started. */
  get settled(): boolean {
    return this.loaded;
  }

  get error(): ErrorCode | null {
    return this.current ? null : this.lastError;
  }

  /** Resolves once the stored manifest (if any) has been loaded after a SW start. */
  ready(): Promise<void> {
    this.loading ??= this.loadStored();
    return this.loading;
  }

  /** Fetches the origin's manifest and accepts it if it verifies. Never throws. */
  async refresh(): Promise<void> {
    await this.ready();
    try {
      const response = await this.deps.fetch(`${this.deps.origin}${MANIFEST_PATH}`, { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) throw new DeployNetError('MANIFEST_UNAVAILABLE', `the origin answered ${response.status} for ${MANIFEST_PATH}`);
      await this.accept(await response.text());
    } catch (error) {
      this.lastError = isDeployNetError(error) ? error.code : 'MANIFEST_UNAVAILABLE';
      console.warn('[deploynet] manifest refused:', error instanceof Error ? error.message : error);
    }
  }

  private async accept(envelopeText: string): Promise<void> {
    const verified = await this.verify(envelopeText);
    if (this.current && verified.manifest.version === this.current.manifest.version && verified.envelopeText === this.current.envelopeText) return;
    this.current = verified;
    this.lastError = null;
    const cache = await this.deps.caches.open(META_CACHE);
    await cache.put(`${this.deps.origin}${MANIFEST_PATH}`, new Response(envelopeText, { headers: { 'content-type': 'application/json' } }));
  }

  private verify(envelopeText: string): Promise<VerifiedManifest> {
    return verifyManifest(envelopeText, this.deps.config, {
      crypto: this.deps.crypto,
      now: this.deps.now(),
      ...(this.current ? { minVersion: this.current.manifest.version } : {}),
    });
  }

  private async loadStored(): Promise<void> {
    try {
      const cache = await this.deps.caches.open(META_CACHE);
      const stored = await cache.match(`${this.deps.origin}${MANIFEST_PATH}`);
      if (stored) this.current = await this.verify(await stored.text());
    } catch (error) {
      this.lastError = isDeployNetError(error) ? error.code : 'MANIFEST_UNAVAILABLE';
    } finally {
      this.loaded = true;
    }
  }
}
