import { describe, expect, it } from 'vitest';
import type { ManifestFile } from '../core/index.js';
import { assetHeaders, assetResponse, unverifiedOriginResponse } from './respond.js';

const file: ManifestFile = { size: 3, type: 'text/html; charset=utf-8', sha256: 'ab'.repeat(32) };
const signed = { 'content-security-policy': "script-src 'self'", 'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin' };

describe('assetHeaders and assetResponse', () => {
  it('put the signed headers next to the SW own ones, whatever the source', async () => {
    for (const source of ['cache', 'peer', 'origin'] as const) {
      const r = assetResponse(new Uint8Array([1, 2, 3]), file, signed, source, 0);
      expect(Object.fromEntries(r.headers)).toMatchObject({
        ...signed,
        'content-type': file.type,
        'content-length': '3',
        'x-deploynet-source': source,
      });
      expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([1, 2, 3]);
    }
  });

  it('adds nothing for a file without signed headers', () => {
    const names = [...assetHeaders(file, {}, 'cache', 0, 3).keys()].sort();
    expect(names).toEqual(['accept-ranges', 'content-length', 'content-type', 'server-timing', 'x-deploynet-source']);
  });
});

describe('unverifiedOriginResponse', () => {
  it("keeps the origin's own headers and adds the signed ones it lacks", async () => {
    const origin = new Response('new', { status: 200, headers: { 'content-type': 'text/html', 'x-frame-options': 'SAMEORIGIN', 'x-other': '1' } });
    const r = unverifiedOriginResponse(await origin.clone().arrayBuffer(), origin, signed, 0);
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('content-security-policy')).toBe("script-src 'self'");
    expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(r.headers.get('x-other')).toBe('1');
    expect(r.headers.get('x-deploynet-verified')).toBe('false');
    expect(r.headers.get('x-deploynet-source')).toBe('origin');
    expect(await r.text()).toBe('new');
  });
});
