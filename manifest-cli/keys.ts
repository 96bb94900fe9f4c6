/**
 * The site owner's Ed25519 key pair: `deploynet.key` (PKCS#8 PEM, mode 0600, never overwritten)
 * and `deploynet.pub` (SPKI PEM). The key id is core's keyIdOf() over the raw 32-byte public key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fromBase64Url } from '../core/encoding.js';
import { DeployNetError } from '../core/errors.js';
import { keyIdOf } from '../core/manifest-verify.js';
import { writeFileAtomic } from './atomic-write.js';
import { errnoCode, fsError } from './fs-errors.js';
import { nodeCrypto } from './node-crypto.js';

export const PRIVATE_KEY_FILE = 'deploynet.key';
export const PUBLIC_KEY_FILE = 'deploynet.pub';

export interface PublicKeyInfo {
  /** Raw Ed25519 public key, 32 bytes. */
  readonly publicKeyRaw: Uint8Array;
  /** The same, base64url without padding (SiteConfig.publicKey). */
  readonly publicKey: string;
  readonly keyId: string;
}

export interface PrivateKeyInfo extends PublicKeyInfo {
  readonly privateKey: KeyObject;
}

export interface GeneratedKeyPair {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
  readonly keyId: string;
}

async function describe(publicKey: KeyObject): Promise<PublicKeyInfo> {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new DeployNetError('KEY_INVALID', 'the key has no Ed25519 public part');
  const publicKeyRaw = fromBase64Url(jwk.x);
  return { publicKeyRaw, publicKey: jwk.x, keyId: await keyIdOf(publicKeyRaw, nodeCrypto) };
}

/**
 * Writes a new Ed25519 key pair into outDir (created if needed): `deploynet.key` (private, mode
 * 0600) and `deploynet.pub`. This is `deploynet keygen --out DIR` (the CLI calls exactly this).
 * Refuses with KEY_EXISTS when deploynet.key exists: a key is never overwritten.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from 'deploynet';
 *
 * const { privateKeyPath, publicKeyPath, keyId } = await generateKeyPair('keys');
 * ```
 */
export async function generateKeyPair(outDir: string): Promise<GeneratedKeyPair> {
  const dir = resolve(outDir);
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw fsError('FILE_UNWRITABLE', 'create the directory', dir, err);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  let handle;
  try {
    // 'wx' fails when the file exists, atomically: a key is never overwritten, not even in a race.
    handle = await open(privateKeyPath, 'wx', 0o600);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new DeployNetError('KEY_EXISTS', `${privateKeyPath} already exists; DeployNet never overwrites a key (move it away first if you really want a new one)`, { path: privateKeyPath });
    }
    throw fsError('FILE_UNWRITABLE', 'create', privateKeyPath, err);
  }
  try {
    await handle.chmod(0o600); // whatever the umask
    await handle.writeFile(privatePem, 'utf8');
    await handle.sync();
  } catch (err) {
    throw fsError('FILE_UNWRITABLE', 'write', privateKeyPath, err);
  } finally {
    await handle.close();
  }
  await writeFileAtomic(publicKeyPath, publicPem);
  const { keyId } = await describe(publicKey);
  return { privateKeyPath, publicKeyPath, keyId };
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw fsError('KEY_UNREADABLE', 'read the key file', path, err);
  }
}

function invalid(path: string, why: string): DeployNetError {
  return new DeployNetError('KEY_INVALID', `${path} ${why}`, { path });
}

/**
 * Loads an Ed25519 private key (PKCS#8 PEM, as written by keygen), with its public key and key id.
 * A public key, another key type or a non-key file is KEY_INVALID; an unreadable file KEY_UNREADABLE.
 */
export async function loadPrivateKey(path: string): Promise<PrivateKeyInfo> {
  const text = await readKeyFile(path);
  if (/-----BEGIN PUBLIC KEY-----/.test(text)) {
    throw invalid(path, `is a public key; pass the private key (${PRIVATE_KEY_FILE}) to sign`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw invalid(path, 'is not a PEM private key; create one with `deploynet keygen`');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw invalid(path, `is an ${String(privateKey.asymmetricKeyType).toUpperCase()} key, not an Ed25519 key; create one with \`deploynet keygen\``);
  }
  return { privateKey, ...(await describe(createPublicKey(privateKey))) };
}

/** Loads an Ed25519 public key (SPKI PEM, as written by keygen). A private key file is refused. */
export async function loadPublicKey(path: string): Promise<PublicKeyInfo> {
  const text = await readKeyFile(path);
  if (/PRIVATE KEY-----/.test(text)) {
    throw invalid(path, `is a private key; pass the public key (${PUBLIC_KEY_FILE}) to verify`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw invalid(path, 'is not a PEM public key');
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw invalid(path, `is an ${String(publicKey.asymmetricKeyType).toUpperCase()} key, not an Ed25519 key`);
  }
  return describe(publicKey);
}
