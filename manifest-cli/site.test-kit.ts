/**
 * Test kit for manifest-cli tests: temp directories (removed by `cleanup()`), a small site, a key
 * pair and fake runtime templates, so tests do not depend on `npm run build`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKeyPair, type GeneratedKeyPair } from './keys.js';

export const FAKE_SW = '/* fake service worker */ self.addEventListener("fetch", () => {});\n';
export const FAKE_PAGE = '/* fake page script */ console.log(__DEPLOYNET_CONFIG__.keyId);\n';

export interface Fixture {
  readonly root: string;
  readonly siteDir: string;
  readonly keyDir: string;
  readonly runtimeDir: string;
  readonly keys: GeneratedKeyPair;
  write(relPath: string, content: string | Uint8Array): Promise<string>;
}

const dirs: string[] = [];

export async function tempDir(prefix = 'deploynet-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export async function cleanup(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export async function writeRuntime(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'deploynet-sw.js'), FAKE_SW);
  await writeFile(join(dir, 'deploynet.js'), FAKE_PAGE);
}

/** A site with an HTML page, CSS, a nested image and a dot-file, a key pair and runtime templates. */
export async function fixture(): Promise<Fixture> {
  const root = await tempDir();
  const siteDir = join(root, 'site');
  const keyDir = join(root, 'keys');
  const runtimeDir = join(root, 'runtime');
  const write = async (relPath: string, content: string | Uint8Array): Promise<string> => {
    const path = join(siteDir, relPath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return path;
  };
  await write('index.html', '<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>hi</body></html>\n');
  await write('css/site.css', 'body { color: red }\n');
  await write('img/dot.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
  await write('.git/HEAD', 'ref: refs/heads/main\n');
  await write('.DS_Store', 'junk');
  await writeRuntime(runtimeDir);
  const keys = await generateKeyPair(keyDir);
  return { root, siteDir, keyDir, runtimeDir, keys, write };
}

/** Deterministic pseudo-random bytes (xorshift), so big test files are cheap to make. */
export function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}
