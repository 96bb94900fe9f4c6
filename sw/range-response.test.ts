import { describe, expect, it, vi } from 'vitest';
import type { ManifestFile } from '../core/index.js';
import { rangeResponse, requestedRange } from './range-response.js';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
const file: ManifestFile = { size: bytes.length, type: 'audio/wav', sha256: 'ab'.repeat(32) };
/** What the SW passes for an uncached file: a Response over the download's verified stream. */
const streamed = () => new Response(new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(bytes.slice(0, 600)), c.enqueue(bytes.slice(600)), c.close()) }));
const cached = () => new Response(bytes.slice(), { headers: { 'content-type': file.type } });

async function body(response: Response): Promise<number[]> {
  return [...new Uint8Array(await response.arrayBuffer())];
}

describe('rangeResponse', () => {
  it('answers 200 with the whole file without a Range, advertising Accept-Ranges', async () => {
    for (const whole of [streamed(), cached()]) {
      const r = await rangeResponse(null, whole, file, {}, 'cache', 0);
      expect(r.status).toBe(200);
      expect(Object.fromEntries(r.headers)).toMatchObject({
        'content-type': 'audio/wav',
        'content-length': '1000',
        'accept-ranges': 'bytes',
        'x-deploynet-source': 'cache',
      });
      expect(r.headers.get('server-timing')).toMatch(/^deploynet;desc="cache";dur=/);
      expect(r.headers.has('content-range')).toBe(false);
      expect(await body(r)).toEqual([...bytes]);
    }
  });

  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=10-19', 10, 19],
    ['bytes=990-', 990, 999],
    ['bytes=-100', 900, 999],
    ['bytes=500-5000', 500, 999],
    ['bytes=0-', 0, 999],
  ])('answers %s with 206 and the bytes %i-%i, from a download stream and from a cached Response', async (range, first, last) => {
    for (const [whole, source] of [[streamed(), 'peer'], [cached(), 'cache']] as const) {
      const r = await rangeResponse(range, whole, file, {}, source, 0);
      expect(r.status).toBe(206);
      expect(Object.fromEntries(r.headers)).toMatchObject({
        'content-type': 'audio/wav',
        'content-length': String(last - first + 1),
        'content-range': `bytes ${first}-${last}/1000`,
        'accept-ranges': 'bytes',
        'x-deploynet-source': source,
      });
      expect(r.headers.get('server-timing')).toContain(`desc="${source}"`);
      expect(await body(r)).toEqual([...bytes.subarray(first, last + 1)]);
    }
  });

  it('answers an unsatisfiable range with 416 and Content-Range: bytes */size', async () => {
    for (const range of ['bytes=1000-', 'bytes=-0', 'bytes=5000-6000']) {
      const whole = cached();
      const r = await rangeResponse(range, whole, file, {}, 'origin', 0);
      expect(r.status).toBe(416);
      expect(r.headers.get('content-range')).toBe('bytes */1000');
      expect(r.headers.get('content-length')).toBe('0');
      expect(r.headers.get('x-deploynet-source')).toBe('origin');
      expect(r.headers.has('content-type')).toBe(false);
      expect(await body(r)).toEqual([]);
      expect(whole.bodyUsed).toBe(true); // cancelled, not left open
    }
  });

  it('answers in full what it ignores: several ranges, bad syntax, other units', async () => {
    for (const range of ['bytes=0-1,5-6', 'bytes=9-3', 'bytes=x', 'items=0-1']) {
      const r = await rangeResponse(range, streamed(), file, {}, 'peer', 0);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-length')).toBe('1000');
      expect(await body(r)).toEqual([...bytes]);
    }
  });

  it('cuts a cached file with Blob.slice instead of reading it', async () => {
    const whole = cached();
    const blob = vi.spyOn(whole, 'blob');
    const arrayBuffer = vi.spyOn(whole, 'arrayBuffer');
    const r = await rangeResponse('bytes=100-101', whole, file, {}, 'cache', 0);
    expect(blob).toHaveBeenCalledOnce();
    expect(arrayBuffer).not.toHaveBeenCalled();
    expect(await body(r)).toEqual([bytes[100], bytes[101]]);
  });

  it('sets the signed headers on every answer: 200, 206 and 416, from a download stream and from a cached Response', async () => {
    const signed = { 'content-security-policy': "script-src 'self'", 'x-frame-options': 'DENY' };
    for (const range of [null, 'bytes=10-19', 'bytes=5000-']) {
      for (const whole of [streamed(), cached()]) {
        const r = await rangeResponse(range, whole, file, signed, 'peer', 0);
        expect([200, 206, 416]).toContain(r.status);
        expect(r.headers.get('content-security-policy')).toBe("script-src 'self'");
        expect(r.headers.get('x-frame-options')).toBe('DENY');
        expect(r.headers.get('x-deploynet-source')).toBe('peer');
      }
    }
    // Nothing signed: nothing added (the cached Response's own headers are never passed on).
    const plain = await rangeResponse(null, new Response(bytes.slice(), { headers: { 'x-frame-options': 'SAMEORIGIN' } }), file, {}, 'cache', 0);
    expect(plain.headers.has('x-frame-options')).toBe(false);
    expect(plain.headers.has('content-security-policy')).toBe(false);
  });

  it('handles an empty file', async () => {
    const empty: ManifestFile = { ...file, size: 0 };
    expect((await rangeResponse('bytes=0-', new Response(), empty, {}, 'cache', 0)).status).toBe(416);
    const r = await rangeResponse('bytes=-5', new Response(), empty, {}, 'cache', 0);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe('0');
  });
});

describe('requestedRange', () => {
  it('reads the Range header', () => {
    expect(requestedRange(new Headers({ range: 'bytes=0-1' }))).toBe('bytes=0-1');
    expect(requestedRange(new Headers())).toBeNull();
  });

  it('ignores Range under If-Range: the SW issues no validator that could match', () => {
    expect(requestedRange(new Headers({ range: 'bytes=0-1', 'if-range': '"abc"' }))).toBeNull();
  });
});
