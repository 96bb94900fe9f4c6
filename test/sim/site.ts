/**
 * The site a scenario serves: a manifest (real core type, so Holdings and the scheduler read it
 * as in the browser) whose hashes are ids, not digests of real bytes, and the files one page
 * load needs. Chunk "bytes" are views of one shared zero buffer of the chunk's true length,
 * tagged with what they claim to be: the simulated hash (simCrypto) reads the tag, so the real
 * verification path in swarm-download.ts compares a honest chunk's id with the manifest and a
 * corrupt one's with something else.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DEFAULT_CHUNK_SIZE, MANIFEST_FORMAT, chunkCount, chunkHashes, fromHex, type CryptoProvider, type Manifest, type ManifestFile } from '../../core/index.js';

export interface SimSite {
  readonly manifest: Manifest;
  /** Paths one page view loads (the navigation first). */
  readonly page: readonly string[];
  /** Bytes of one page view. */
  readonly pageBytes: number;
  readonly siteBytes: number;
  /** What a first visit fetches from the origin besides the page: page script, SW, signed manifest. */
  readonly bootstrapBytes: number;
  /** Files by hash (what a chunk request names). */
  readonly bySha: ReadonlyMap<string, ManifestFile>;
}

const fakeHash = (text: string) => createHash('sha256').update(text).digest('hex');

/** A site of these files (path → size), a page made of `page` (paths among them). */
export function makeSite(files: Readonly<Record<string, number>>, page: readonly string[], bootstrapScripts = 0, chunkSize = DEFAULT_CHUNK_SIZE): SimSite {
  const entries: Record<string, ManifestFile> = {};
  for (const path of Object.keys(files).sort()) {
    const size = files[path]!;
    const sha256 = fakeHash(`file:${path}`);
    const n = chunkCount(size, chunkSize);
    // The content type matters to no part of the simulation.
    const type = 'application/octet-stream';
    entries[path] = n > 1 ? { size, type, sha256, chunks: Array.from({ length: n }, (_, i) => fakeHash(`chunk:${path}:${i}`)) } : { size, type, sha256 };
  }
  for (const p of page) if (!(p in entries)) throw new Error(`page file ${p} is not in the site`);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    created: '2026-01-01T00:00:00.000Z',
    expires: '2027-01-01T00:00:00.000Z',
    keyId: 'aaaaaaaaaaaaaaaa',
    chunkSize,
    files: entries,
  };
  const sum = (paths: readonly string[]) => paths.reduce((s, p) => s + files[p]!, 0);
  const bootstrapBytes = bootstrapScripts > 0 ? bootstrapScripts + JSON.stringify(manifest).length + 200 : 0;
  return { manifest, page, bootstrapBytes, pageBytes: sum(page), siteBytes: sum(Object.keys(files)), bySha: new Map(Object.values(entries).map((f) => [f.sha256, f])) };
}

const GENERATED = new Set(['/deploynet-manifest.json', '/deploynet-sw.js', '/deploynet.js']);

/**
 * The example site (examples/site) as it is on disk: every file and its size, and the page
 * `pagePath` with what it references (src/href of listed non-page files, and url() in the CSS it
 * links), as the issue-6 offload benchmark loads it.
 */
export function exampleSite(root: string, pagePath = '/gallery.html'): SimSite {
  const files: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const path = `/${relative(root, full).split(sep).join('/')}`;
        if (!GENERATED.has(path)) files[path] = statSync(full).size;
      }
    }
  };
  walk(root);
  const refs = (path: string) => [...readFileSync(join(root, path), 'utf8').matchAll(/(?:src|href)="([^"]+)"|url\(['"]?([^'")]+)['"]?\)/g)].map((m) => m[1] ?? m[2] ?? '');
  const page = new Set<string>([pagePath]);
  for (const ref of refs(pagePath)) {
    if (!(ref in files) || /\.html?$/.test(ref) || ref.endsWith('.txt')) continue;
    page.add(ref);
    if (ref.endsWith('.css')) for (const inner of refs(ref)) if (inner in files) page.add(inner);
  }
  return makeSite(files, [...page], runtimeBytes(join(root, '..', '..', 'dist', 'runtime')));
}

/** Sizes of the built page script and SW (npm run build), or an estimate when they are not built. */
function runtimeBytes(dir: string): number {
  try {
    return statSync(join(dir, 'deploynet.js')).size + statSync(join(dir, 'deploynet-sw.js')).size;
  } catch {
    return 150_000;
  }
}

/**
 * Simulated chunk bytes: a view of the shared zero buffer that says what it claims to be. A
 * subclass rather than a WeakMap from views to tags: millions of short-lived weak keys make the
 * garbage collector's ephemeron work a large share of a 100k run.
 */
class SimChunk extends Uint8Array {
  constructor(
    buffer: ArrayBuffer,
    length: number,
    readonly hash: string,
    readonly corrupt: boolean,
  ) {
    super(buffer, 0, length);
  }
}

let zero = new ArrayBuffer(DEFAULT_CHUNK_SIZE);
const digests = new Map<string, Uint8Array>();
const GARBAGE = new Uint8Array(32);

/** Simulated bytes for chunk `hash` of `length` bytes; `corrupt`: what a malicious peer sends. */
export function chunkBytes(hash: string, length: number, corrupt: boolean): Uint8Array {
  if (zero.byteLength < length) zero = new ArrayBuffer(length);
  return new SimChunk(zero, length, hash, corrupt);
}

/** Whether these simulated bytes are a corrupt chunk (what a page must never be served). */
export function isCorrupt(bytes: Uint8Array): boolean {
  return bytes instanceof SimChunk ? bytes.corrupt : true;
}

/** The digest of simulated bytes: the id they carry when honest, garbage when corrupt. */
export const simCrypto: CryptoProvider = {
  sha256: (data) => {
    const tag = data instanceof SimChunk ? data : null;
    if (!tag || tag.corrupt) return Promise.resolve(GARBAGE);
    let digest = digests.get(tag.hash);
    if (!digest) {
      digest = fromHex(tag.hash);
      digests.set(tag.hash, digest);
    }
    return Promise.resolve(digest);
  },
  verifyEd25519: () => Promise.resolve(false),
};

/** Chunk ids of a file (one for a file of one chunk: its own hash). */
export function fileChunks(file: ManifestFile): readonly string[] {
  return chunkHashes(file);
}
