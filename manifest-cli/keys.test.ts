import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { keyIdOf } from '../core/manifest-verify.js';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from './keys.js';
import { nodeCrypto } from './node-crypto.js';
import { cleanup, tempDir } from './site.test-kit.js';

afterEach(cleanup);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DeployNetError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('generateKeyPair', () => {
  it('writes a 0600 PKCS#8 private key and an SPKI public key with matching key ids', async () => {
    const dir = await tempDir();
    const r = await generateKeyPair(join(dir, 'nested'));
    expect((await stat(r.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(r.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await readFile(r.publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const priv = await loadPrivateKey(r.privateKeyPath);
    const pub = await loadPublicKey(r.publicKeyPath);
    expect(r.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(priv.keyId).toBe(r.keyId);
    expect(pub.keyId).toBe(r.keyId);
    expect(pub.publicKey).toBe(priv.publicKey);
    expect(pub.publicKeyRaw).toHaveLength(32);
    expect(await keyIdOf(pub.publicKeyRaw, nodeCrypto)).toBe(r.keyId);
  });

  it('never overwrites an existing key', async () => {
    const dir = await tempDir();
    const first = await generateKeyPair(dir);
    const before = await readFile(first.privateKeyPath, 'utf8');
    expect(await codeOf(generateKeyPair(dir))).toBe('KEY_EXISTS');
    expect(await readFile(first.privateKeyPath, 'utf8')).toBe(before);
    expect((await loadPublicKey(first.publicKeyPath)).keyId).toBe(first.keyId);
  });
});

describe('loadPrivateKey / loadPublicKey', () => {
  it('refuses a missing file with KEY_UNREADABLE', async () => {
    const dir = await tempDir();
    expect(await codeOf(loadPrivateKey(join(dir, 'nope.key')))).toBe('KEY_UNREADABLE');
    expect(await codeOf(loadPublicKey(join(dir, 'nope.pub')))).toBe('KEY_UNREADABLE');
    expect(await codeOf(loadPrivateKey(dir))).toBe('KEY_UNREADABLE');
  });

  it('refuses the public key as a private key, and the reverse, with KEY_INVALID', async () => {
    const dir = await tempDir();
    const r = await generateKeyPair(dir);
    await expect(loadPrivateKey(r.publicKeyPath)).rejects.toMatchObject({ code: 'KEY_INVALID', message: expect.stringMatching(/is a public key/) });
    expect(await codeOf(loadPublicKey(r.privateKeyPath))).toBe('KEY_INVALID');
  });

  it('refuses an RSA key and garbage with KEY_INVALID', async () => {
    const dir = await tempDir();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await writeFile(join(dir, 'rsa.key'), rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await writeFile(join(dir, 'rsa.pub'), rsa.publicKey.export({ format: 'pem', type: 'spki' }));
    await writeFile(join(dir, 'junk'), 'hello');
    await expect(loadPrivateKey(join(dir, 'rsa.key'))).rejects.toMatchObject({ code: 'KEY_INVALID', message: expect.stringMatching(/RSA/) });
    expect(await codeOf(loadPublicKey(join(dir, 'rsa.pub')))).toBe('KEY_INVALID');
    expect(await codeOf(loadPrivateKey(join(dir, 'junk')))).toBe('KEY_INVALID');
  });
});

describe('nodeCrypto', () => {
  it('verifies Ed25519 signatures from a raw key and rejects tampering', async () => {
    const dir = await tempDir();
    const r = await generateKeyPair(dir);
    const key = await loadPrivateKey(r.privateKeyPath);
    const data = new TextEncoder().encode('hello');
    const sig = new Uint8Array(sign(null, data, key.privateKey));
    expect(await nodeCrypto.verifyEd25519(key.publicKeyRaw, sig, data)).toBe(true);
    expect(await nodeCrypto.verifyEd25519(key.publicKeyRaw, sig, new TextEncoder().encode('hellO'))).toBe(false);
    const bad = sig.slice();
    bad[0] = bad[0]! ^ 1;
    expect(await nodeCrypto.verifyEd25519(key.publicKeyRaw, bad, data)).toBe(false);
    expect(await nodeCrypto.verifyEd25519(key.publicKeyRaw.subarray(1), sig, data)).toBe(false);
  });

  it('hashes with SHA-256', async () => {
    const hex = Buffer.from(await nodeCrypto.sha256(new TextEncoder().encode('abc'))).toString('hex');
    expect(hex).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
