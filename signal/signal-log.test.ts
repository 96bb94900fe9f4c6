import { describe, expect, it } from 'vitest';
import { jsonLineLog, levelEnabled } from './signal-log.js';

describe('signal logs', () => {
  it('one JSON object per line: time, level, msg, then the fields', () => {
    const lines: string[] = [];
    const log = jsonLineLog((l) => lines.push(l), () => new Date(0));
    log({ level: 'info', msg: 'listening', url: 'http://127.0.0.1:9000' });
    log({ level: 'warn', msg: 'odd', count: 10n, error: new Error('boom') });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    expect(lines[0]).toBe('{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"listening","url":"http://127.0.0.1:9000"}\n');
    expect(JSON.parse(lines[1] ?? '')).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'odd', count: '10', error: 'boom' });
  });

  it('blanks secret-named fields at any depth', () => {
    const lines: string[] = [];
    jsonLineLog((l) => lines.push(l))({ level: 'info', msg: 'x', token: 't0k3n', nested: { siteToken: 's3cr3t', Key: 'k3y', keyId: 'visible' } });
    expect(lines[0]).not.toMatch(/t0k3n|s3cr3t|k3y/);
    expect(lines[0]).toContain('"keyId":"visible"');
  });

  it('survives fields that cannot be serialised', () => {
    const lines: string[] = [];
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    jsonLineLog((l) => lines.push(l))({ level: 'error', msg: 'loop', loop });
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'error', msg: 'loop', logError: expect.any(String) });
  });

  it('levels: a threshold lets its level and the ones above through', () => {
    expect(levelEnabled('info', 'debug')).toBe(false);
    expect(levelEnabled('info', 'info')).toBe(true);
    expect(levelEnabled('info', 'error')).toBe(true);
    expect(levelEnabled('silent', 'error')).toBe(false);
    expect(levelEnabled('debug', 'debug')).toBe(true);
  });
});
