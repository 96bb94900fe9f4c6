/**
 * Adds the DeployNet page script tag to an HTML document, as early in <head> as possible so the
 * service worker registers before other subresources start: right after <meta charset> when there
 * is one, else first in <head>; without <head>, right after <html>, else before the first element.
 * Idempotent: a document that already has a script with src /deploynet.js is returned unchanged.
 *
 * Files are read and written as latin1, which maps bytes 1:1, so any ASCII-compatible encoding
 * (UTF-8, Windows-1252, ...) passes through byte for byte; only ASCII markup is searched.
 */
import { readFile, stat } from 'node:fs/promises';
import { PAGE_SCRIPT_PATH } from '../core/manifest.js';
import { writeFileAtomic } from './atomic-write.js';
import { fsError } from './fs-errors.js';

/**
 * `async`: a plain module script is deferred, and deferred scripts wait for every stylesheet of
 * the page. Under DeployNet the stylesheet may itself be waiting (in the SW) for this script's
 * peers, so without `async` the two would wait on each other until the SW's hello deadline.
 * The tag without `async` (as in the design's contract) still works; it only loses that race.
 */
export const SCRIPT_TAG = `<script src="${PAGE_SCRIPT_PATH}" type="module" async></script>`;

/** Blanks out comments (same length), so positions still match and commented tags do not count. */
function maskComments(html: string): string {
  return html.replace(/<!--[\s\S]*?(?:-->|$)/g, (c) => ' '.repeat(c.length));
}

const HAS_TAG = /<script\b[^>]*?\bsrc\s*=\s*(["']?)\/deploynet\.js\1(?=[\s>/])/i;
const HEAD_OPEN = /<head(?=[\s>/])[^>]*>/i;
const HEAD_CLOSE = /<\/head\s*>|<body(?=[\s>/])/i;
const META_CHARSET = /<meta(?=[\s/])[^>]*?\bcharset\s*=[^>]*>/i;
const HTML_OPEN = /<html(?=[\s>/])[^>]*>/i;
const FIRST_ELEMENT = /<[a-z]/i;

export function hasScriptTag(html: string): boolean {
  return HAS_TAG.test(maskComments(html));
}

function insertAt(html: string, at: number): string {
  return html.slice(0, at) + SCRIPT_TAG + html.slice(at);
}

/** Pure: returns the document with the tag added, or unchanged when it already has it. */
export function injectScriptTag(html: string): string {
  const masked = maskComments(html);
  if (HAS_TAG.test(masked)) return html;
  const head = HEAD_OPEN.exec(masked);
  if (head) {
    const headStart = head.index + head[0].length;
    const rest = masked.slice(headStart);
    const end = HEAD_CLOSE.exec(rest);
    const headBody = end ? rest.slice(0, end.index) : rest;
    const meta = META_CHARSET.exec(headBody);
    return insertAt(html, meta ? headStart + meta.index + meta[0].length : headStart);
  }
  const htmlTag = HTML_OPEN.exec(masked);
  if (htmlTag) return insertAt(html, htmlTag.index + htmlTag[0].length);
  const first = FIRST_ELEMENT.exec(masked);
  return insertAt(html, first ? first.index : html.length);
}

/** True when the file starts with a UTF-16 byte order mark (not ASCII-compatible: left alone). */
function isUtf16(bytes: Buffer): boolean {
  return bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
}

/** Injects into one file in place (atomically, keeping its mode). Resolves true when it changed. */
export async function injectScriptTagIntoFile(path: string): Promise<boolean> {
  let bytes: Buffer;
  let mode: number;
  try {
    bytes = await readFile(path);
    mode = (await stat(path)).mode & 0o777;
  } catch (err) {
    throw fsError('FILE_UNREADABLE', 'read', path, err);
  }
  if (isUtf16(bytes)) return false;
  const html = bytes.toString('latin1');
  const out = injectScriptTag(html);
  if (out === html) return false;
  await writeFileAtomic(path, Buffer.from(out, 'latin1'), { mode });
  return true;
}
