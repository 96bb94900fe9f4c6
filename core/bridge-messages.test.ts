import { describe, expect, it } from 'vitest';
import {
  FAILURE_DETAIL_MAX,
  failureDetail,
  parseManifestUpdated,
  parsePageToSw,
  parseChunksHeld,
  parsePeerFetchCancel,
  parsePeerFetchReply,
  parsePeerFetchRequest,
  parseSwStatus,
} from './bridge-messages.js';
import { codeOf } from '../test/unit/test-kit.js';

const SHA = 'c0'.repeat(32);


/** Messages that are not protocol-1 bridge messages at all, whatever parser reads them. */
const notBridgeMessages: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['a string', 'bridge-state'],
  ['an array', [{ type: 'bridge-state', v: 1 }]],
  ['a message without v', { type: 'status-request' }],
  ['a message with v 2', { type: 'status-request', v: 2 }],
  ['a message with v "1"', { type: 'status-request', v: '1' }],
  ['a message without type', { v: 1 }],
  ['a message with a numeric type', { type: 1, v: 1 }],
];

describe('parsePageToSw', () => {
  it.each(['connecting', 'ready', 'no-peers', 'off'])('accepts bridge-state %s', (state) => {
    expect(parsePageToSw({ type: 'bridge-state', v: 1, state, extra: 'ignored' })).toEqual({ type: 'bridge-state', v: 1, state });
  });

  it('accepts status-request', () => {
    expect(parsePageToSw({ type: 'status-request', v: 1 })).toEqual({ type: 'status-request', v: 1 });
  });

  it.each([
    ...notBridgeMessages,
    ['an unknown type', { type: 'peer-fetch', v: 1 }],
    ['an unknown state', { type: 'bridge-state', v: 1, state: 'READY' }],
    ['a missing state', { type: 'bridge-state', v: 1 }],
  ])('refuses %s with BAD_ARGUMENT', (_name, data) => {
    expect(codeOf(() => parsePageToSw(data))).toBe('BAD_ARGUMENT');
  });
});

describe('parseSwStatus', () => {
  it('accepts a status with a manifest in force', () => {
    const m = { type: 'status', v: 1, manifestVersion: 7, pageVersion: 6, manifestError: null, envelope: '{"format":"x"}' };
    expect(parseSwStatus(m)).toEqual(m);
  });

  it('accepts a status with no manifest and the reason', () => {
    const m = { type: 'status', v: 1, manifestVersion: null, pageVersion: null, manifestError: 'MANIFEST_EXPIRED', envelope: null };
    expect(parseSwStatus(m)).toEqual(m);
  });

  const ok = { type: 'status', v: 1, manifestVersion: 7, pageVersion: 7, manifestError: null, envelope: null };
  it.each([
    ['a page version of 0', { ...ok, pageVersion: 0 }],
    ['no page version', { ...ok, pageVersion: undefined }],
    ...notBridgeMessages,
    ['another type', { ...ok, type: 'status-request' }],
    ['a version of 0', { ...ok, manifestVersion: 0 }],
    ['a version as a string', { ...ok, manifestVersion: '7' }],
    ['a missing version', { ...ok, manifestVersion: undefined }],
    ['an error code in lower case', { ...ok, manifestError: 'expired' }],
    ['an envelope that is not a string', { ...ok, envelope: {} }],
  ])('refuses %s with BAD_ARGUMENT', (_name, data) => {
    expect(codeOf(() => parseSwStatus(data))).toBe('BAD_ARGUMENT');
  });
});

describe('parsePeerFetchRequest', () => {
  const ok = { type: 'peer-fetch', v: 1, path: '/a.css', sha256: SHA, size: 0, chunkSize: 262144, chunks: [SHA], want: [0], deadlineMs: 2500 };
  const big = { ...ok, size: 262144 * 2 + 1, chunks: [SHA, SHA, SHA], want: [0, 2] };

  it('accepts a valid request, of one chunk or several', () => {
    expect(parsePeerFetchRequest(ok)).toEqual(ok);
    expect(parsePeerFetchRequest(big)).toEqual(big);
    expect(parsePeerFetchRequest({ ...big, want: [] })).toMatchObject({ want: [] });
    expect(parsePeerFetchRequest({ ...ok, deadlineMs: 600_000 })).toMatchObject({ deadlineMs: 600_000 });
  });

  it.each([
    ...notBridgeMessages,
    ['another type', { ...ok, type: 'peer-fetch-end' }],
    ['a missing path', { ...ok, path: undefined }],
    ['an uppercase sha256', { ...ok, sha256: SHA.toUpperCase() }],
    ['a short sha256', { ...ok, sha256: SHA.slice(1) }],
    ['a negative size', { ...ok, size: -1 }],
    ['a size over 4 GiB', { ...ok, size: 2 ** 32 }],
    ['a size as a string', { ...ok, size: '10' }],
    ['a zero chunk size', { ...ok, chunkSize: 0 }],
    ['fewer chunk hashes than chunks', { ...big, chunks: [SHA, SHA] }],
    ['more chunk hashes than chunks', { ...ok, chunks: [SHA, SHA] }],
    ['a chunk hash that is not hex', { ...ok, chunks: ['x'.repeat(64)] }],
    ['chunks that are not an array', { ...ok, chunks: SHA }],
    ['a wanted index past the last chunk', { ...big, want: [3] }],
    ['wanted indices out of order', { ...big, want: [2, 0] }],
    ['a wanted index twice', { ...big, want: [1, 1] }],
    ['a fractional wanted index', { ...big, want: [0.5] }],
    ['want missing', { ...ok, want: undefined }],
    ['a zero deadline', { ...ok, deadlineMs: 0 }],
    ['a deadline over ten minutes', { ...ok, deadlineMs: 600_001 }],
  ])('refuses %s with BAD_ARGUMENT', (_name, data) => {
    expect(codeOf(() => parsePeerFetchRequest(data))).toBe('BAD_ARGUMENT');
  });
});

describe('parsePeerFetchReply', () => {
  it('accepts a chunk in pieces (views, kept as they are)', () => {
    const frame = Uint8Array.of(9, 9, 1, 2, 3);
    const parts = [frame.subarray(2), Uint8Array.of(4)];
    const parsed = parsePeerFetchReply({ type: 'peer-chunk', v: 1, index: 4, parts, peerId: 'p1' });
    expect(parsed).toEqual({ type: 'peer-chunk', v: 1, index: 4, parts, peerId: 'p1' });
    expect(parsed.type === 'peer-chunk' && parsed.parts[0]!.buffer).toBe(frame.buffer); // no copy
  });

  it('accepts progress, and an end with or without a failure', () => {
    expect(parsePeerFetchReply({ type: 'peer-fetch-progress', v: 1, received: 65536 })).toEqual({ type: 'peer-fetch-progress', v: 1, received: 65536 });
    expect(parsePeerFetchReply({ type: 'peer-fetch-end', v: 1, code: null })).toEqual({ type: 'peer-fetch-end', v: 1, code: null });
    expect(parsePeerFetchReply({ type: 'peer-fetch-end', v: 1, code: 'PEER_TIMEOUT' })).toEqual({ type: 'peer-fetch-end', v: 1, code: 'PEER_TIMEOUT' });
  });

  it('keeps a failure detail that is printable ASCII', () => {
    const detail = '2 of 20 chunks missing: peer p2 sent nothing for 2500 ms (0 of 262144 bytes, 2501 ms after asking)';
    expect(parsePeerFetchReply({ type: 'peer-fetch-end', v: 1, code: 'PEER_TIMEOUT', detail })).toEqual({ type: 'peer-fetch-end', v: 1, code: 'PEER_TIMEOUT', detail });
  });

  const chunk = { type: 'peer-chunk', v: 1, index: 0, parts: [new Uint8Array(1)], peerId: 'p1' };
  const end = { type: 'peer-fetch-end', v: 1, code: 'PEER_TIMEOUT' };
  it.each([
    ...notBridgeMessages,
    ['another type', { ...chunk, type: 'peer-fetch' }],
    ['an older bridge\'s chunk: one ArrayBuffer body', { ...chunk, parts: undefined, body: new ArrayBuffer(1) }],
    ['missing pieces', { ...chunk, parts: undefined }],
    ['pieces that are not byte arrays', { ...chunk, parts: [new ArrayBuffer(1)] }],
    ['pieces of another array type', { ...chunk, parts: [new Uint16Array(1)] }],
    ['pieces that are not a list', { ...chunk, parts: new Uint8Array(1) }],
    ['a missing peerId', { ...chunk, peerId: undefined }],
    ['a negative index', { ...chunk, index: -1 }],
    ['negative progress', { type: 'peer-fetch-progress', v: 1, received: -1 }],
    ['progress of protocol 2', { type: 'peer-fetch-progress', v: 2, received: 1 }],
    ['an end without a code', { type: 'peer-fetch-end', v: 1 }],
    ['an end with a lower-case code', { ...end, code: 'timeout' }],
    ['a detail with a line break (it would split a header)', { ...end, detail: 'a\r\nx-evil: 1' }],
    ['a detail with non-ASCII text', { ...end, detail: 'pe\u00e9r' }],
    ['a detail longer than 200 characters', { ...end, detail: 'x'.repeat(201) }],
    ['a detail that is not a string', { ...end, detail: 42 }],
  ])('refuses %s with BAD_ARGUMENT', (_name, data) => {
    expect(codeOf(() => parsePeerFetchReply(data))).toBe('BAD_ARGUMENT');
  });
});

describe('parsePeerFetchCancel', () => {
  it('accepts a cancel of everything or of some chunks, and refuses anything else', () => {
    expect(parsePeerFetchCancel({ type: 'peer-fetch-cancel', v: 1 })).toEqual({ type: 'peer-fetch-cancel', v: 1 });
    expect(parsePeerFetchCancel({ type: 'peer-fetch-cancel', v: 1, chunks: [1, 5] })).toEqual({ type: 'peer-fetch-cancel', v: 1, chunks: [1, 5] });
    expect(codeOf(() => parsePeerFetchCancel({ type: 'peer-fetch-cancel', v: 1, chunks: [5, 1] }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parsePeerFetchCancel({ type: 'peer-fetch-cancel', v: 1, chunks: 'all' }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parsePeerFetchCancel({ type: 'peer-chunk', v: 1 }))).toBe('BAD_ARGUMENT');
  });
});

describe('parsePeerFetchReply: peer-fetch-origin', () => {
  it('accepts ascending chunk indices and refuses anything else', () => {
    expect(parsePeerFetchReply({ type: 'peer-fetch-origin', v: 1, chunks: [0, 3, 9] })).toEqual({ type: 'peer-fetch-origin', v: 1, chunks: [0, 3, 9] });
    expect(parsePeerFetchReply({ type: 'peer-fetch-origin', v: 1, chunks: [] })).toEqual({ type: 'peer-fetch-origin', v: 1, chunks: [] });
    for (const chunks of [[3, 1], [1, 1], [-1], [0.5], 'all', undefined]) {
      expect(codeOf(() => parsePeerFetchReply({ type: 'peer-fetch-origin', v: 1, chunks }))).toBe('BAD_ARGUMENT');
    }
  });
});

describe('parseChunksHeld', () => {
  const sha256 = 'c'.repeat(64);

  it('accepts chunks of a file, or the whole file (null)', () => {
    expect(parseChunksHeld({ type: 'chunks-held', v: 1, sha256, chunks: [2, 4] })).toEqual({ type: 'chunks-held', v: 1, sha256, chunks: [2, 4] });
    expect(parseChunksHeld({ type: 'chunks-held', v: 1, sha256, chunks: null })).toEqual({ type: 'chunks-held', v: 1, sha256, chunks: null });
  });

  it('is undefined for other messages and refuses a malformed one', () => {
    expect(parseChunksHeld({ type: 'manifest-updated', v: 1, version: 2 })).toBeUndefined();
    expect(parseChunksHeld('chunks-held')).toBeUndefined();
    expect(codeOf(() => parseChunksHeld({ type: 'chunks-held', v: 2, sha256, chunks: null }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseChunksHeld({ type: 'chunks-held', v: 1, sha256: 'C'.repeat(64), chunks: null }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseChunksHeld({ type: 'chunks-held', v: 1, sha256, chunks: [4, 2] }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseChunksHeld({ type: 'chunks-held', v: 1, sha256 }))).toBe('BAD_ARGUMENT');
  });
});

describe('parseManifestUpdated', () => {
  it('accepts a newer version and refuses anything else', () => {
    expect(parseManifestUpdated({ type: 'manifest-updated', v: 1, version: 9 })).toEqual({ type: 'manifest-updated', v: 1, version: 9 });
    expect(codeOf(() => parseManifestUpdated({ type: 'manifest-updated', v: 1, version: 0 }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseManifestUpdated({ type: 'status', v: 1, version: 9 }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => parseManifestUpdated({ type: 'manifest-updated', v: 2, version: 9 }))).toBe('BAD_ARGUMENT');
  });
});

describe('failureDetail', () => {
  it('makes any text safe for a header: printable ASCII, at most FAILURE_DETAIL_MAX characters', () => {
    expect(failureDetail('peer abc was too slow')).toBe('peer abc was too slow');
    expect(failureDetail('line\r\nbreak \u00e9')).toBe('line??break ?');
    const long = failureDetail('y'.repeat(500));
    expect(long).toHaveLength(FAILURE_DETAIL_MAX);
    expect(() => parsePeerFetchReply({ type: 'peer-fetch-end', v: 1, code: 'PEER_TIMEOUT', detail: failureDetail('\u0000'.repeat(300)) })).not.toThrow();
  });
});
