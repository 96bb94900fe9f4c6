/**
 * The esbuild plugin with real esbuild builds on real files (fake runtime templates, so no
 * `npm run build` is needed): it signs what esbuild wrote, reruns on every rebuild, and reports
 * every refusal as an esbuild error (never a throw of its own, never an unhandled rejection).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnvelope, parseManifest, type Manifest } from '../core/manifest.js';
import type { BuildSiteResult } from './build-site.js';
import { deploynetPlugin, type DeployNetEsbuildOptions } from './esbuild-plugin.js';
import { cleanup, fixture, type Fixture } from './site.test-kit.js';
import { verifySite } from './verify-site.js';

afterEach(cleanup);

const NOW = Date.parse('2025-11-21T12:00:00.000Z');

/** esbuild options for the fixture: src/app.ts bundled into the site's js/ folder. */
async function appBuild(f: Fixture, plugin: DeployNetEsbuildOptions, extra: esbuild.BuildOptions = {}): Promise<esbuild.BuildOptions> {
  await f.write('../src/app.ts', 'const greeting: string = "hello";\ndocument.title = greeting;\n');
  return {
    entryPoints: [join(f.root, 'src/app.ts')],
    bundle: true,
    outdir: join(f.siteDir, 'js'),
    logLevel: 'silent',
    plugins: [deploynetPlugin({ runtimeDir: f.runtimeDir, now: NOW, ...plugin })],
    ...extra,
  };
}

/** The messages a build failed with (a build that succeeds fails the test). */
async function failureOf(options: esbuild.BuildOptions): Promise<esbuild.Message[]> {
  const outcome = await esbuild.build(options).then(
    () => null,
    (e: unknown) => e,
  );
  if (outcome === null) throw new Error('the build succeeded');
  if (!(outcome instanceof Error) || !('errors' in outcome) || !Array.isArray(outcome.errors)) throw outcome;
  return outcome.errors as esbuild.Message[];
}

async function readManifest(siteDir: string): Promise<Manifest> {
  return parseManifest(JSON.parse(parseEnvelope(await readFile(join(siteDir, 'deploynet-manifest.json'), 'utf8')).manifest));
}

const summary = (m: esbuild.Message): { id: string; plugin: string; text: string } => ({ id: m.id, plugin: m.pluginName, text: m.text });

describe('deploynet esbuild plugin', () => {
  it('signs the site after esbuild writes it: the bundle is in the manifest and the site verifies', async () => {
    const f = await fixture();
    const built: BuildSiteResult[] = [];
    const result = await esbuild.build(
      await appBuild(f, { keyFile: f.keys.privateKeyPath, siteDir: f.siteDir, signal: 'http://127.0.0.1:9000', inject: true, onBuilt: (r) => built.push(r) }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(built).toHaveLength(1);
    const manifest = await readManifest(f.siteDir);
    expect(Object.keys(manifest.files)).toEqual(['/css/site.css', '/deploynet.js', '/img/dot.png', '/index.html', '/js/app.js']);
    expect(manifest.files['/js/app.js']!.size).toBe((await readFile(join(f.siteDir, 'js/app.js'))).length);
    expect(manifest.version).toBe(Math.floor(NOW / 1000));
    expect(built[0]!.config.signal).toBe('http://127.0.0.1:9000');
    expect(built[0]!.paths.injected).toEqual(['/index.html']);
    const verified = await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW });
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });

  it('defaults the site folder to outdir, resolved from absWorkingDir', async () => {
    const f = await fixture();
    const options = await appBuild(f, { keyFile: f.keys.privateKeyPath }, { outdir: 'site', absWorkingDir: f.root });
    await esbuild.build(options);
    const manifest = await readManifest(f.siteDir);
    expect(manifest.files['/app.js']).toBeDefined();
    expect((await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW })).ok).toBe(true);
  });

  it('re-signs after every rebuild, each with a higher version, and the site verifies with the new bytes', async () => {
    const f = await fixture();
    const versions: number[] = [];
    const ctx = await esbuild.context(await appBuild(f, { keyFile: f.keys.privateKeyPath, siteDir: f.siteDir, onBuilt: (r) => versions.push(r.version) }));
    try {
      await ctx.rebuild();
      await writeFile(join(f.root, 'src/app.ts'), 'document.title = "changed";\n');
      await ctx.rebuild();
      await ctx.rebuild();
    } finally {
      await ctx.dispose();
    }
    const first = Math.floor(NOW / 1000);
    expect(versions).toEqual([first, first + 1, first + 2]);
    const verified = await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW });
    expect(verified.ok).toBe(true);
    expect(verified.manifest?.version).toBe(first + 2);
    expect(await readFile(join(f.siteDir, 'js/app.js'), 'utf8')).toContain('changed');
  });

  it('under context.watch(), an edited source is bundled and the site re-signed without a call', async () => {
    const f = await fixture();
    const built: BuildSiteResult[] = [];
    let notify: () => void = () => undefined;
    const ctx = await esbuild.context(await appBuild(f, { keyFile: f.keys.privateKeyPath, siteDir: f.siteDir, onBuilt: (r) => (built.push(r), notify()) }));
    const builds = (n: number): Promise<void> =>
      new Promise((resolve) => {
        notify = () => void (built.length >= n && resolve());
        notify();
      });
    try {
      await ctx.watch();
      await builds(1);
      await writeFile(join(f.root, 'src/app.ts'), 'document.title = "edited while watching";\n');
      await builds(2);
    } finally {
      await ctx.dispose();
    }
    expect(built[1]!.version).toBe(built[0]!.version + 1);
    expect(await readFile(join(f.siteDir, 'js/app.js'), 'utf8')).toContain('edited while watching');
    const verified = await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW });
    expect({ ok: verified.ok, version: verified.manifest?.version }).toEqual({ ok: true, version: built[1]!.version });
  }, 30_000); // esbuild's watcher polls: on a busy machine it may take a few seconds to see the edit

  it('warns when a rebuild signs a fixed version again', async () => {
    const f = await fixture();
    const ctx = await esbuild.context(await appBuild(f, { keyFile: f.keys.privateKeyPath, siteDir: f.siteDir, version: 7 }));
    try {
      expect((await ctx.rebuild()).warnings).toEqual([]);
      const again = await ctx.rebuild();
      expect(again.warnings.map((w) => w.id)).toEqual(['VERSION_REPEATED']);
    } finally {
      await ctx.dispose();
    }
  });

  it('a bad key is an esbuild error with one sentence, and nothing is signed', async () => {
    const f = await fixture();
    const badKey = join(f.root, 'bad.key');
    await writeFile(badKey, 'not a key\n');
    const errors = await failureOf(await appBuild(f, { keyFile: badKey, siteDir: f.siteDir }));
    expect(errors.map(summary)).toEqual([{ id: 'KEY_INVALID', plugin: 'deploynet', text: `${badKey} is not a PEM private key; create one with \`deploynet keygen\`` }]);
    await expect(readFile(join(f.siteDir, 'deploynet-manifest.json'))).rejects.toThrow(/ENOENT/);
  });

  it('a missing key, write: false, no site folder and a bad option are esbuild errors naming what to fix', async () => {
    const f = await fixture();
    const key = f.keys.privateKeyPath;
    const missing = await failureOf(await appBuild(f, { keyFile: join(f.root, 'nope.key'), siteDir: f.siteDir }));
    expect(missing.map((m) => m.id)).toEqual(['KEY_UNREADABLE']);
    const inMemory = await failureOf(await appBuild(f, { keyFile: key, siteDir: f.siteDir }, { write: false }));
    expect(inMemory.map(summary)).toEqual([{ id: 'BAD_CONFIG', plugin: 'deploynet', text: expect.stringContaining('write: false') }]);
    const noDir = await failureOf(await appBuild(f, { keyFile: key }, { outdir: undefined, outfile: join(f.siteDir, 'app.js') }));
    expect(noDir.map(summary)).toEqual([{ id: 'BAD_CONFIG', plugin: 'deploynet', text: expect.stringContaining("set esbuild's outdir, or the plugin's siteDir option") }]);
    const badExpiry = await failureOf(await appBuild(f, { keyFile: key, siteDir: f.siteDir, expires: 'soon' }));
    expect(badExpiry.map((m) => m.id)).toEqual(['BAD_ARGUMENT']);
    const noKey = await failureOf(await appBuild(f, { siteDir: f.siteDir } as DeployNetEsbuildOptions));
    expect(noKey.map((m) => m.id)).toEqual(['BAD_CONFIG']);
  });

  it('does not sign when esbuild itself failed: only esbuild\'s error is reported', async () => {
    const f = await fixture();
    const options = await appBuild(f, { keyFile: f.keys.privateKeyPath, siteDir: f.siteDir });
    await writeFile(join(f.root, 'src/app.ts'), 'import "./missing.js";\n');
    const errors = await failureOf(options);
    expect(errors.map((m) => m.pluginName)).toEqual(['']);
    await expect(readFile(join(f.siteDir, 'deploynet-manifest.json'))).rejects.toThrow(/ENOENT/);
  });

  it('reads an ICE servers file on each build, as `deploynet build --ice-servers`', async () => {
    const f = await fixture();
    const file = join(f.root, 'ice.json');
    await writeFile(file, JSON.stringify([{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }]));
    const built: BuildSiteResult[] = [];
    await esbuild.build(await appBuild(f, { keyFile: f.keys.privateKeyPath, siteDir: f.siteDir, iceServersFile: file, iceTransportPolicy: 'relay', onBuilt: (r) => built.push(r) }));
    expect(built[0]!.config.iceServers).toEqual([{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }]);
    expect(built[0]!.config.iceTransportPolicy).toBe('relay');
    const both = await failureOf(await appBuild(f, { keyFile: f.keys.privateKeyPath, siteDir: f.siteDir, iceServersFile: file, iceServers: [] }));
    expect(both.map((m) => m.id)).toEqual(['BAD_CONFIG']);
  });
});
