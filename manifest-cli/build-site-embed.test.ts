/** `buildSite({ swMode: 'embed' })`: DeployNet for a site whose own service worker imports it (sw/embed.ts). */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { resolveSiteConfig } from '../core/site-config.js';
import { KILL_SWITCH_PAGE_PRELUDE, buildSite, type BuildSiteOptions } from './build-site.js';
import { EMBED_PAGE_PRELUDE, SW_LIB_TEMPLATE } from './runtime-templates.js';
import { FAKE_PAGE, cleanup, fixture, type Fixture } from './site.test-kit.js';
import { verifySite } from './verify-site.js';

afterEach(cleanup);

const NOW = Date.parse('2025-11-21T12:00:00.000Z');
const FAKE_LIB = '/* fake sw library */ self.deploynet = { setup() {} };\n';

async function embedFixture(): Promise<Fixture> {
  const f = await fixture();
  await writeFile(join(f.runtimeDir, SW_LIB_TEMPLATE), FAKE_LIB);
  return f;
}

function opts(f: Fixture, extra: Partial<BuildSiteOptions> = {}): BuildSiteOptions {
  return { siteDir: f.siteDir, keyFile: f.keys.privateKeyPath, runtimeDir: f.runtimeDir, now: NOW, swMode: 'embed', ...extra };
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('buildSite in embed mode', () => {
  it('writes deploynet-sw-lib.js with the config, lists it, writes no deploynet-sw.js, and the page script waits for the site\'s worker', async () => {
    const f = await embedFixture();
    const r = await buildSite(opts(f, { signal: 'http://127.0.0.1:9000' }));
    expect(r.swMode).toBe('embed');
    expect(r.paths.sw).toBe(join(f.siteDir, 'deploynet-sw-lib.js'));
    expect(await exists(join(f.siteDir, 'deploynet-sw.js'))).toBe(false);

    const lib = await readFile(r.paths.sw, 'utf8');
    const [first, prelude] = lib.split('\n');
    expect(first).toBe(`/* deploynet manifest version ${r.version} */`);
    const config = resolveSiteConfig(JSON.parse(/^var __DEPLOYNET_CONFIG__ = (.*);$/.exec(prelude!)![1]!));
    expect(config).toEqual(r.config);
    expect(lib.endsWith(FAKE_LIB)).toBe(true);

    const page = await readFile(r.paths.page, 'utf8');
    expect(page).toBe(`${prelude}\n${EMBED_PAGE_PRELUDE}${FAKE_PAGE}`);
    // Listed like the page script (written before hashing), and the site verifies.
    expect(r.manifest.files['/deploynet-sw-lib.js']?.size).toBe(Buffer.byteLength(lib));
    expect((await verifySite({ siteDir: f.siteDir, pubFile: f.keys.publicKeyPath, now: NOW })).problems).toEqual([]);
  });

  it('changes the library\'s bytes with every deploy, so the site\'s worker is updated', async () => {
    const f = await embedFixture();
    const a = await readFile((await buildSite(opts(f, { version: 7 }))).paths.sw, 'utf8');
    const b = await readFile((await buildSite(opts(f, { version: 8 }))).paths.sw, 'utf8');
    expect(a).not.toBe(b);
  });

  it('a kill-switch build turns DeployNet off in the library and the page script', async () => {
    const f = await embedFixture();
    const r = await buildSite(opts(f, { killSwitch: true }));
    expect(await readFile(r.paths.sw, 'utf8')).toContain(`${KILL_SWITCH_PAGE_PRELUDE}${FAKE_LIB}`);
    expect(await readFile(r.paths.page, 'utf8')).toContain(`${KILL_SWITCH_PAGE_PRELUDE}${EMBED_PAGE_PRELUDE}${FAKE_PAGE}`);
    expect(await exists(join(f.siteDir, 'deploynet-sw.js'))).toBe(false);
  });

  it('refuses an unknown mode, and a missing library template, before writing anything', async () => {
    const f = await fixture(); // no deploynet-sw-lib.js among the templates
    const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: unknown) => (e instanceof DeployNetError ? e.code : String(e)));
    expect(await codeOf(buildSite(opts(f, { swMode: 'bundled' as never })))).toBe('BAD_ARGUMENT');
    expect(await codeOf(buildSite(opts(f)))).toBe('BAD_CONFIG');
    expect(await exists(join(f.siteDir, 'deploynet.js'))).toBe(false);
    expect(await exists(join(f.siteDir, 'deploynet-manifest.json'))).toBe(false);
  });

  it('standalone stays the default: deploynet-sw.js, no library', async () => {
    const f = await embedFixture();
    const r = await buildSite(opts(f, { swMode: undefined }));
    expect(r.swMode).toBe('standalone');
    expect(r.paths.sw).toBe(join(f.siteDir, 'deploynet-sw.js'));
    expect(await exists(join(f.siteDir, 'deploynet-sw-lib.js'))).toBe(false);
  });
});
