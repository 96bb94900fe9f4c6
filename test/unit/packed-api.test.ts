/**
 * Issue 7, item 1: the Node API as a user gets it. `npm pack` the package as built (dist/), install
 * the tarball into an empty project from the local npm cache only (`--offline`: nothing leaves the
 * machine; see `offlineLockfile` for how npm resolves it there), then, in that project, a plain .mjs script imports `deploynet` and `deploynet/esbuild`
 * and runs keygen, an esbuild build with the plugin, buildSite and verifySite on a tiny site; and
 * tsc checks a .ts file against the shipped declarations (types are real, not `any`).
 * Needs `npm run build` first (as `npm test` does), like the browser tests.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const BUILT = ['dist/index.js', 'dist/esbuild.js', 'dist/runtime/deploynet-sw.js', 'dist/types/manifest-cli/index.d.ts', 'dist/types/manifest-cli/esbuild-plugin.d.ts'];

/** The exact version installed in the repository, so the offline install finds it in the cache. */
async function installedVersion(name: string): Promise<string> {
  const pkg: unknown = JSON.parse(await readFile(join(REPO, 'node_modules', name, 'package.json'), 'utf8'));
  if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  throw new Error(`cannot read the version of ${name}`);
}

/**
 * The repository's own package-lock.json with the project's root in place of the repository's.
 * Resolving a dependency afresh, npm 11 asks the registry for its full packument, which a
 * lockfile-driven `npm install` (the repository's, CI's) never fetches, so `--offline` fails on a
 * fresh machine; with the versions already locked, npm takes them from the abbreviated packuments
 * and tarballs the repository's install cached, and drops what the project does not use.
 */
async function offlineLockfile(dependencies: Record<string, string>): Promise<string> {
  const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { name: string; packages: Record<string, unknown> };
  lock.name = 'site-owner';
  lock.packages[''] = { name: 'site-owner', version: '1.0.0', dependencies };
  return JSON.stringify(lock);
}

/** What a user writes: plain ESM, no TypeScript, the package's public entry points only. */
const USER_SCRIPT = `
import { mkdir, writeFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import { buildSite, generateKeyPair, verifySite, DeployNetError } from 'deploynet';
import { deploynetPlugin } from 'deploynet/esbuild';

const keys = await generateKeyPair('keys');
await mkdir('src', { recursive: true });
await mkdir('public', { recursive: true });
await writeFile('src/app.js', 'document.getElementById("out").textContent = "bundled";\\n');
await writeFile('public/index.html', '<!doctype html><html><head><title>t</title></head><body><p id="out"></p><script src="/app.js"></script></body></html>\\n');

const built = [];
await esbuild.build({
  entryPoints: ['src/app.js'], bundle: true, outdir: 'public', logLevel: 'silent',
  plugins: [deploynetPlugin({ keyFile: keys.privateKeyPath, signal: 'http://127.0.0.1:9000', inject: true, onBuilt: (r) => built.push(r) })],
});
const afterPlugin = await verifySite({ siteDir: 'public', pubFile: keys.publicKeyPath });

const again = await buildSite({ siteDir: 'public', keyFile: keys.privateKeyPath, version: built[0].version + 1 });
const afterApi = await verifySite({ siteDir: 'public', pubFile: keys.publicKeyPath });

let refusal = null;
try { await generateKeyPair('keys'); } catch (e) { refusal = e instanceof DeployNetError ? e.code : String(e); }

let pluginError = null;
await writeFile('bad.key', 'not a key');
try {
  await esbuild.build({ entryPoints: ['src/app.js'], outdir: 'public', logLevel: 'silent', plugins: [deploynetPlugin({ keyFile: 'bad.key' })] });
} catch (e) { pluginError = e.errors.map((m) => m.id + ': ' + m.pluginName); }

console.log(JSON.stringify({
  pluginFiles: Object.keys(built[0].manifest.files),
  injected: built[0].paths.injected,
  afterPlugin: { ok: afterPlugin.ok, version: afterPlugin.manifest.version },
  afterApi: { ok: afterApi.ok, version: afterApi.manifest.version, expected: again.version },
  refusal, pluginError,
}));
`;

/** Type-checked against the shipped declarations; each @ts-expect-error fails tsc if types were `any`. */
const USER_TYPES = `
import { buildSite, verifySite, generateKeyPair, startSignalNode, type BuildSiteResult, type VerifySiteResult } from 'deploynet';
import deploynetDefault, { deploynetPlugin, type DeployNetEsbuildOptions } from 'deploynet/esbuild';
import type { Plugin } from 'esbuild';

export async function typed(): Promise<void> {
  const keys = await generateKeyPair('keys');
  const built: BuildSiteResult = await buildSite({ siteDir: 'public', keyFile: keys.privateKeyPath, signal: null });
  const version: number = built.version;
  const verified: VerifySiteResult = await verifySite({ siteDir: 'public', pubFile: keys.publicKeyPath });
  const ok: boolean = verified.ok;
  const node = await startSignalNode({ port: 0 });
  const url: string = node.url;
  await node.close();
  const options: DeployNetEsbuildOptions = { keyFile: 'deploynet.key', siteDir: 'public', expires: '7d', onBuilt: (r) => r.fileCount };
  const plugin: Plugin = deploynetPlugin(options);
  const same: Plugin = deploynetDefault({ keyFile: 'k' });
  // @ts-expect-error keyFile is required
  deploynetPlugin({ siteDir: 'public' });
  // @ts-expect-error version is a number
  await buildSite({ siteDir: 'public', keyFile: 'k', version: '3' });
  // @ts-expect-error no such option
  deploynetPlugin({ keyFile: 'k', sitedir: 'public' });
  console.log(version, ok, url, plugin.name, same.name);
}
`;

const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
  files: ['check.ts'],
};

describe('the packed package, installed into an empty project', () => {
  let root = '';
  let project = '';

  beforeAll(async () => {
    const missing = BUILT.filter((f) => !existsSync(join(REPO, f)));
    if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run \`npm run build\` first`);
    root = await mkdtemp(join(tmpdir(), 'deploynet-packed-'));
    project = join(root, 'project');
    await mkdir(project);
    // --ignore-scripts: pack dist/ as it is (prepack would rebuild the shared checkout's dist/).
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO });
    const packed: unknown = JSON.parse(stdout);
    const filename = Array.isArray(packed) && typeof packed[0]?.filename === 'string' ? (packed[0].filename as string) : '';
    const dependencies: Record<string, string> = { deploynet: `file:../${filename}` };
    for (const name of ['esbuild', 'typescript', '@types/node']) dependencies[name] = await installedVersion(name);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'site-owner', version: '1.0.0', private: true, type: 'module', dependencies }));
    await writeFile(join(project, 'package-lock.json'), await offlineLockfile(dependencies));
    // --offline: only the local npm cache (the repository's own install filled it).
    await run('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: project });
  }, 180_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('ships the Node API, the esbuild plugin, their declarations and the runtimes', async () => {
    const pkg = JSON.parse(await readFile(join(project, 'node_modules/deploynet/package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    for (const entry of ['.', './esbuild']) {
      for (const file of [pkg.exports[entry]!.types, pkg.exports[entry]!.default]) expect(existsSync(join(project, 'node_modules/deploynet', file)), file).toBe(true);
    }
    expect(existsSync(join(project, 'node_modules/deploynet/dist/runtime/deploynet-sw.js'))).toBe(true);
  });

  it('a plain .mjs script runs keygen, the esbuild plugin, buildSite and verifySite from the package', async () => {
    await writeFile(join(project, 'use.mjs'), USER_SCRIPT);
    const { stdout } = await run('node', ['use.mjs'], { cwd: project });
    const got = JSON.parse(stdout) as {
      pluginFiles: string[];
      injected: string[];
      afterPlugin: { ok: boolean; version: number };
      afterApi: { ok: boolean; version: number; expected: number };
      refusal: string;
      pluginError: string[];
    };
    expect(got.pluginFiles).toEqual(['/app.js', '/deploynet.js', '/index.html']);
    expect(got.injected).toEqual(['/index.html']);
    expect(got.afterPlugin.ok).toBe(true);
    expect(got.afterApi).toEqual({ ok: true, version: got.afterPlugin.version + 1, expected: got.afterPlugin.version + 1 });
    expect(got.refusal).toBe('KEY_EXISTS');
    expect(got.pluginError).toEqual(['KEY_INVALID: deploynet']);
  }, 60_000);

  it('TypeScript checks user code against the shipped declarations of both entry points', async () => {
    await writeFile(join(project, 'check.ts'), USER_TYPES);
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const result = await run('node', [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project }).then(
      () => 'no type errors',
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    expect(result).toBe('no type errors');
  }, 60_000);
});
