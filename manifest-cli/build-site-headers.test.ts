import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { fileHeaders, parseEnvelope, parseManifest } from '../core/manifest.js';
import { buildSite, type BuildSiteOptions } from './build-site.js';
import { buildSiteOptionsFromConfig } from './project-build-options.js';
import { parseProjectConfig } from './project-config.js';
import { cleanup, fixture, type Fixture } from './site.test-kit.js';

afterEach(cleanup);

const NOW = Date.parse('2025-11-21T12:00:00.000Z');
const CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'";

const opts = (f: Fixture, extra: Partial<BuildSiteOptions> = {}): BuildSiteOptions => ({
  siteDir: f.siteDir,
  keyFile: f.keys.privateKeyPath,
  runtimeDir: f.runtimeDir,
  now: NOW,
  ...extra,
});

async function refusal(p: Promise<unknown>): Promise<DeployNetError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DeployNetError) return err;
    throw err;
  }
  throw new Error('expected a DeployNetError');
}

/** The manifest as written to disk, parsed the way the SW parses it. */
async function written(f: Fixture) {
  const envelope = parseEnvelope(await readFile(join(f.siteDir, 'deploynet-manifest.json'), 'utf8'));
  return parseManifest(JSON.parse(envelope.manifest));
}

describe('buildSite with response headers', () => {
  it('signs the headers of a _headers file into the manifest, each set once', async () => {
    const f = await fixture();
    await f.write('about/index.html', '<!doctype html><p>about</p>\n');
    await f.write('_headers', `# security\n/*\n  X-Frame-Options: DENY\n/*.html\n  Content-Security-Policy: ${CSP}\n/about/\n  Referrer-Policy: no-referrer\n`);
    const r = await buildSite(opts(f));
    const m = await written(f);
    expect(m).toEqual(r.manifest);
    expect(fileHeaders(m, m.files['/index.html']!)).toEqual({ 'content-security-policy': CSP, 'x-frame-options': 'DENY' });
    expect(fileHeaders(m, m.files['/about/index.html']!)).toEqual({ 'content-security-policy': CSP, 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' });
    expect(fileHeaders(m, m.files['/css/site.css']!)).toEqual({ 'x-frame-options': 'DENY' });
    expect(m.headers).toHaveLength(3);
    // The file itself is the host's configuration, never served by hosts that read it: not listed.
    expect(m.files['/_headers']).toBeUndefined();
  });

  it('adds the headers option after the _headers rules', async () => {
    const f = await fixture();
    await f.write('_headers', '/*\n  X-Frame-Options: DENY\n');
    await buildSite(opts(f, { headers: { '/index.html': { 'Cross-Origin-Opener-Policy': 'same-origin' } } }));
    const m = await written(f);
    expect(fileHeaders(m, m.files['/index.html']!)).toEqual({ 'cross-origin-opener-policy': 'same-origin', 'x-frame-options': 'DENY' });
    expect(fileHeaders(m, m.files['/css/site.css']!)).toEqual({ 'x-frame-options': 'DENY' });
  });

  it('writes no headers table for a site without rules', async () => {
    const f = await fixture();
    const r = await buildSite(opts(f));
    expect(r.manifest.headers).toBeUndefined();
    expect(JSON.parse(parseEnvelope(await readFile(r.paths.manifest, 'utf8')).manifest)).not.toHaveProperty('headers');
  });

  it("signs none of the host's own headers in _headers, and reports them", async () => {
    const f = await fixture();
    await f.write('_headers', '/deploynet-sw.js\n  Cache-Control: no-cache\n/*\n  Cache-Control: max-age=60\n  X-Frame-Options: DENY\n');
    const r = await buildSite(opts(f));
    expect(r.hostOnlyHeaders).toEqual(['Cache-Control']);
    expect(r.manifest.headers).toEqual([{ 'x-frame-options': 'DENY' }]);
  });

  it('refuses a header outside the allow-list in the option, and a misspelt one in _headers, before writing anything', async () => {
    for (const [file, options, message] of [
      [null, { headers: { '/*': { 'Cache-Control': 'max-age=60' } } }, 'headers["/*"]: "Cache-Control" is not a header DeployNet can sign'],
      ['/*\n  X-Frame-Options: DENY\r\n  Referer-Policy: no-referrer\n', {}, '_headers line 3: "Referer-Policy" looks like a misspelt referrer-policy'],
      ['/*\n  X-Frame-Options: DENY\n  Content-Security-Policy: \u0007\n', {}, '_headers line 3 (Content-Security-Policy) must be a header value'],
    ] as const) {
      const f = await fixture();
      if (file) await f.write('_headers', file);
      const err = await refusal(buildSite(opts(f, options)));
      expect(err.code).toBe('BAD_CONFIG');
      expect(err.message).toContain(message);
      await expect(readFile(join(f.siteDir, 'deploynet.js'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(readFile(join(f.siteDir, 'deploynet-manifest.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });
});

describe('the project file field "headers"', () => {
  it('is validated and reaches buildSite (flags win over it)', () => {
    const c = parseProjectConfig({ siteDir: 'dist', keyFile: 'k', headers: { '/*': { 'X-Frame-Options': 'DENY' } } }, 'deploynet.config.json', '/p');
    expect(c.headers).toEqual({ '/*': { 'x-frame-options': 'DENY' } });
    expect(buildSiteOptionsFromConfig(c).headers).toEqual({ '/*': { 'x-frame-options': 'DENY' } });
    expect(buildSiteOptionsFromConfig(c, { headers: { '/a': { 'Referrer-Policy': 'no-referrer' } } }).headers).toEqual({ '/a': { 'Referrer-Policy': 'no-referrer' } });
  });

  it('refuses a bad header in one sentence naming the file, the field and the header', () => {
    let message = '';
    try {
      parseProjectConfig({ headers: { '/*': { 'Set-Cookie': 'a=b' } } }, 'deploynet.config.json', '/p');
    } catch (err) {
      if (!(err instanceof DeployNetError)) throw err;
      expect(err.code).toBe('BAD_CONFIG');
      message = err.message;
    }
    expect(message).toMatch(/^deploynet\.config\.json: headers\["\/\*"\]: "Set-Cookie" is not a header DeployNet can sign; the allowed headers are /);
  });
});
