import { describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { parseHeadersFile } from './headers-file.js';

function refusal(text: string): DeployNetError {
  try {
    parseHeadersFile(text);
  } catch (err) {
    if (err instanceof DeployNetError) return err;
    throw err;
  }
  throw new Error('expected a DeployNetError');
}

describe('parseHeadersFile', () => {
  it('reads paths and their indented headers, skipping comments and blank lines', () => {
    const text = [
      '# Security headers',
      '/*',
      '  X-Frame-Options: DENY',
      "  Content-Security-Policy: default-src 'self'; script-src 'self'",
      '',
      '   # an indented comment',
      '/blog/*',
      '\tReferrer-Policy: no-referrer',
      '/about.html',
      '  x-content-type-options:nosniff   ',
    ].join('\r\n');
    expect(parseHeadersFile(text).rules).toEqual([
      { pattern: '/*', where: '_headers line 2', headers: { 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'self'; script-src 'self'" } },
      { pattern: '/blog/*', where: '_headers line 7', headers: { 'referrer-policy': 'no-referrer' } },
      { pattern: '/about.html', where: '_headers line 9', headers: { 'x-content-type-options': 'nosniff' } },
    ]);
  });

  it('joins a header repeated under one path, keeps the colons of a value, and drops a path without headers', () => {
    const { rules } = parseHeadersFile("/*\n  Content-Security-Policy: script-src 'self'\n  Content-Security-Policy: connect-src https://signal.example.com:8443\n/empty\n");
    expect(rules).toEqual([
      { pattern: '/*', where: '_headers line 1', headers: { 'content-security-policy': "script-src 'self', connect-src https://signal.example.com:8443" } },
    ]);
  });

  it('reads an empty file as no rules', () => {
    expect(parseHeadersFile('')).toEqual({ rules: [], hostOnly: [] });
    expect(parseHeadersFile('# nothing yet\n')).toEqual({ rules: [], hostOnly: [] });
  });

  it("leaves the host's own headers to the host and reports them, as docs/deploying.md's Netlify example writes them", () => {
    const text = [
      '/deploynet-sw.js',
      '  Cache-Control: no-cache',
      '/assets/*',
      '  Cache-Control: public, max-age=31536000, immutable',
      '  Access-Control-Allow-Origin: *',
      '  X-Frame-Options: DENY',
      '/robots.txt',
      '  cache-control: no-store',
    ].join('\n');
    expect(parseHeadersFile(text)).toEqual({
      rules: [{ pattern: '/assets/*', where: '_headers line 3', headers: { 'x-frame-options': 'DENY' } }],
      hostOnly: ['Cache-Control', 'Access-Control-Allow-Origin'],
    });
  });

  it.each([
    ['a misspelt security header', '/*\n  X-Frame-Option: DENY\n', 'line 2: "X-Frame-Option" looks like a misspelt x-frame-options'],
    ['a misspelt CSP', '/*\n  Content-Security-Polcy: script-src none\n', '"Content-Security-Polcy" looks like a misspelt content-security-policy'],
    ['a header before any path', '  X-Frame-Options: DENY\n', 'line 1: a header comes before any path'],
    ['a header written at the margin', '/*\nX-Frame-Options: DENY\n', 'line 2: the path "X-Frame-Options: DENY" must start with /'],
    ['a line without a colon', '/*\n  X-Frame-Options DENY\n', 'line 2: expected an indented "Name: value" line'],
    ['an empty value', '/*\n  X-Frame-Options:\n', 'line 2 (X-Frame-Options) must be a header value'],
    ['a detach line', '/*\n  ! X-Frame-Options\n', 'line 2: "! Name" (removing a header) is not supported'],
    ['a placeholder', '/blog/:slug\n  X-Frame-Options: DENY\n', 'line 1: the path "/blog/:slug" uses a :placeholder'],
    ['a full URL', 'https://example.com/*\n  X-Frame-Options: DENY\n', 'is a full URL'],
    ['a query string', '/a?b=1\n  X-Frame-Options: DENY\n', 'query strings are not matched'],
    ['a control character in a value', '/*\n  X-Frame-Options: DE\u0001NY\n', 'line 2 (X-Frame-Options) must be a header value'],
  ])('refuses %s with the line number', (_, text, message) => {
    const err = refusal(text);
    expect(err.code).toBe('BAD_CONFIG');
    expect(err.message).toContain(message);
  });
});
