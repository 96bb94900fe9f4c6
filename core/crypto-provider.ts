/**
 * The two primitives DeployNet needs, injected so core stays pure: WebCrypto in the service worker
 * and the page, node:crypto in the CLI, or a fake in tests.
 */
export interface CryptoProvider {
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /** Ed25519 signature check with a raw 32-byte public key. Resolves false on a bad signature. */
  verifyEd25519(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}
