/**
 * Issue 7, item 2: a site built by esbuild's JS API with the deploynet plugin (a TypeScript entry
 * bundled into the site, a static index.html and assets) is served by a real origin and loaded by
 * real Chromium visitors through DeployNet: the service worker takes control, every listed asset
 * (the bundle too) comes through it, and a second visitor gets them from the first one.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_SCRIPT_PATH, type Manifest } from '../../core/index.js';
import type { BuildSiteResult } from '../../manifest-cli/build-site.js';
import { deploynetPlugin } from '../../manifest-cli/esbuild-plugin.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { deliveredBy, fetchInPage, filled, newWorkerInControl, resourceSources, stats, visit } from './page-probe.js';
import { EXAMPLE_SITE, PATIENT_PEERS, startStack, type StackBuildInput } from './stack.js';

/** The files of the project: static ones under public/ (copied by the stack), sources under src/. */
const PROJECT: Readonly<Record<string, string>> = {
  'public/index.html': `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>esbuild + DeployNet</title>
  <link rel="stylesheet" href="/css/site.css">
  <script src="/js/app.js" type="module"></script>
</head>
<body>
  <h1>Built with esbuild</h1>
  <p id="status">not run</p>
  <img src="/images/photo.png" alt="" width="320" height="200">
</body>
</html>
`,
  'public/css/site.css': 'body { font-family: sans-serif; margin: 2rem; }\nh1 { color: #135; }\n',
  // The second test edits this file (a new deploy); it runs last.
  'src/greeting.ts': 'export function greeting(tool: string): string {\n  return `bundled by ${tool}`;\n}\n',
  'src/app.ts': "import { greeting } from './greeting';\n\nconst status = document.getElementById('status');\nif (status) status.textContent = greeting('esbuild');\n",
};

const ASSETS = ['/css/site.css', '/images/photo.png', '/js/app.js'] as const;

/** src/greeting.ts of the second deploy. */
const GREETING_V2 = 'export function greeting(tool: string): string {\n  return `rebuilt by ${tool}`;\n}\n';

describe('a site built with esbuild and the deploynet plugin', () => {
  const session = useBrowser();
  let project = '';

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'deploynet-esbuild-site-'));
    for (const [path, text] of Object.entries(PROJECT)) {
      await mkdir(dirname(join(project, path)), { recursive: true });
      await writeFile(join(project, path), text);
    }
    await mkdir(join(project, 'public/images'), { recursive: true });
    await copyFile(join(EXAMPLE_SITE, 'images/photo-100k.png'), join(project, 'public/images/photo.png'));
  });

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  /** The site owner's esbuild options: src/app.ts bundled into the site's js/, the plugin signing the site. */
  function ownerBuild({ siteDir, keyFile, signalUrl, build }: StackBuildInput, onBuilt: (r: BuildSiteResult) => void): esbuild.BuildOptions {
    return {
      entryPoints: [join(project, 'src/app.ts')],
      bundle: true,
      format: 'esm',
      outdir: join(siteDir, 'js'),
      logLevel: 'silent',
      plugins: [deploynetPlugin({ ...build, keyFile, signal: signalUrl, siteDir, inject: true, onBuilt })],
    };
  }

  /** One `esbuild.build()` per deploy. */
  async function esbuildWithPlugin(input: StackBuildInput): Promise<Manifest> {
    const built: BuildSiteResult[] = [];
    await esbuild.build(ownerBuild(input, (r) => built.push(r)));
    if (built.length !== 1) throw new Error(`the esbuild build signed the site ${built.length} times, not once`);
    return built[0]!.manifest;
  }

  /**
   * One esbuild context for every deploy, as under `context.watch()`: the first deploy creates it
   * with the first deploy's options, each later one is `context.rebuild()`, so the plugin numbers
   * versions itself (a redeploy's requested version is not used).
   */
  function rebuildingContext(): { builder: (input: StackBuildInput) => Promise<Manifest>; close(): Promise<void> } {
    let ctx: esbuild.BuildContext | undefined;
    const built: BuildSiteResult[] = [];
    return {
      async builder(input) {
        ctx ??= await esbuild.context(ownerBuild(input, (r) => built.push(r)));
        const before = built.length;
        await ctx.rebuild();
        if (built.length !== before + 1) throw new Error('the esbuild rebuild did not sign the site');
        return built[before]!.manifest;
      },
      close: async () => ctx?.dispose(),
    };
  }

  it('loads under the service worker, every asset through DeployNet, and a second visitor gets them from the first', async () => {
    const stack = await session.track(startStack({ example: join(project, 'public'), build: PATIENT_PEERS, builder: esbuildWithPlugin }));
    expect(Object.keys(stack.manifest.files)).toEqual(expect.arrayContaining([...ASSETS, '/index.html', PAGE_SCRIPT_PATH]));

    const a = await session.track(newVisitor(session.browser, stack.origin));
    const aStats = await visit(a.page, `${stack.origin}/`);
    expect(aStats.manifestVersion).toBe(stack.manifest.version);
    expect(await a.page.evaluate(() => document.getElementById('status')?.textContent)).toBe('bundled by esbuild');
    for (const path of ASSETS) {
      const got = await fetchInPage(a.page, path);
      expect({ path, status: got.status, source: got.source }).toEqual({ path, status: 200, source: expect.stringMatching(/^(cache|peer|origin)$/) });
      expect(got.sha256, `${path} is the signed bytes`).toBe(stack.manifest.files[path]!.sha256);
    }

    const b = await session.track(newVisitor(session.browser, stack.origin));
    const bStats = await visit(b.page, `${stack.origin}/`);
    expect(await b.page.evaluate(() => document.getElementById('status')?.textContent)).toBe('bundled by esbuild');
    const sources = await resourceSources(b.page);
    const delivered = ASSETS.map((path) => ({ path, source: deliveredBy(sources.find((s) => s.path === path) ?? { path, sources: [] }) }));
    expect(delivered).toEqual(ASSETS.map((path) => ({ path, source: 'peer' })));
    expect(bStats.bytes.peer).toBeGreaterThan(100_000);
    expect(bStats.peerFaults).toBe(0);
  });

  it('after an edit and context.rebuild(), a returning visitor runs the new bundle under the new manifest', async () => {
    const esbuildContext = await session.track(Promise.resolve(rebuildingContext()));
    const stack = await session.track(startStack({ example: join(project, 'public'), builder: esbuildContext.builder }));
    const v = await session.track(newVisitor(session.browser, stack.origin));
    const first = stack.manifest.version;
    expect((await visit(v.page, `${stack.origin}/`)).manifestVersion).toBe(first);
    expect(await v.page.evaluate(() => document.getElementById('status')?.textContent)).toBe('bundled by esbuild');

    const firstBundle = stack.manifest.files['/js/app.js']!.sha256;

    await filled(v.page); // a quiet SW: Chromium activates the next one only when none is busy
    const second = await stack.redeploy(() => writeFile(join(project, 'src/greeting.ts'), GREETING_V2), first + 1);
    expect(second.version).toBeGreaterThan(first);
    expect(second.files['/js/app.js']!.sha256).not.toBe(firstBundle);
    await newWorkerInControl(v.page);
    expect((await stats(v.page)).manifestVersion).toBe(second.version);
    await visit(v.page, `${stack.origin}/`);
    expect(await v.page.evaluate(() => document.getElementById('status')?.textContent)).toBe('rebuilt by esbuild');
    const bundle = await fetchInPage(v.page, '/js/app.js');
    expect(bundle.sha256).toBe(second.files['/js/app.js']!.sha256);
    expect(bundle.source).not.toBeNull();
  });
});
