import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SCRIPT_TAG, hasScriptTag, injectScriptTag, injectScriptTagIntoFile } from './inject.js';
import { cleanup, tempDir } from './site.test-kit.js';

afterEach(cleanup);

const T = SCRIPT_TAG;

describe('injectScriptTag', () => {
  it('goes right after <meta charset>', () => {
    const html = '<!doctype html><html><head><title>x</title><meta charset="utf-8"><link rel=stylesheet href=a.css></head><body></body></html>';
    expect(injectScriptTag(html)).toBe(`<!doctype html><html><head><title>x</title><meta charset="utf-8">${T}<link rel=stylesheet href=a.css></head><body></body></html>`);
  });

  it('goes first in <head> without a meta charset, and ignores a charset meta outside head', () => {
    expect(injectScriptTag('<html><HEAD lang="en"><title>x</title></HEAD><body><meta charset=utf-8></body></html>')).toBe(
      `<html><HEAD lang="en">${T}<title>x</title></HEAD><body><meta charset=utf-8></body></html>`,
    );
  });

  it('does not take <header> for <head>', () => {
    expect(injectScriptTag('<html><body><header>h</header></body></html>')).toBe(`<html>${T}<body><header>h</header></body></html>`);
  });

  it('without <head> or <html> goes before the first element', () => {
    expect(injectScriptTag('<!DOCTYPE html>\n<!-- c --><p>hi</p>')).toBe(`<!DOCTYPE html>\n<!-- c -->${T}<p>hi</p>`);
    expect(injectScriptTag('just text')).toBe(`just text${T}`);
  });

  it('is idempotent and recognises existing tags in other spellings', () => {
    const once = injectScriptTag('<html><head><meta charset="utf-8"></head></html>');
    expect(injectScriptTag(once)).toBe(once);
    for (const existing of ["<script type='module' src='/deploynet.js'></script>", '<SCRIPT SRC=/deploynet.js type=module></SCRIPT>']) {
      const html = `<html><head>${existing}</head></html>`;
      expect(injectScriptTag(html)).toBe(html);
    }
  });

  it('does not count a commented-out tag or a different script, nor a head inside a comment', () => {
    expect(hasScriptTag('<!-- <script src="/deploynet.js"></script> -->')).toBe(false);
    expect(hasScriptTag('<script src="/deploynet.js.map"></script>')).toBe(false);
    expect(injectScriptTag('<!-- <head> --><html><head></head></html>')).toBe(`<!-- <head> --><html><head>${T}</head></html>`);
  });
});

describe('injectScriptTagIntoFile', () => {
  it('changes the file once and keeps non-UTF-8 bytes', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a.html');
    const original = Buffer.concat([Buffer.from('<html><head><meta charset="windows-1252"></head><body>caf'), Buffer.from([0xe9]), Buffer.from('</body></html>')]);
    await writeFile(path, original);
    expect(await injectScriptTagIntoFile(path)).toBe(true);
    const after = await readFile(path);
    expect(after.includes(Buffer.from(T))).toBe(true);
    expect(after.length).toBe(original.length + T.length);
    expect(after.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe(true);
    expect(await injectScriptTagIntoFile(path)).toBe(false);
    expect(await readFile(path)).toEqual(after);
  });
});
