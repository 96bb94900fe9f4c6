/** Recognises a PEM private key by its first bytes, so one in SITE_DIR is never published. */
import { DeployNetError } from '../core/errors.js';

/** Bytes to look at: enough for a BOM, some blank lines and the longest PEM header. */
export const KEY_SNIFF_BYTES = 128;

const PEM_PRIVATE = /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

export function looksLikePrivateKey(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, KEY_SNIFF_BYTES)).toString('latin1');
  return PEM_PRIVATE.test(text.replace(/^(\xef\xbb\xbf)?\s*/, ''));
}

export function keyInSiteError(path: string): DeployNetError {
  return new DeployNetError(
    'KEY_IN_SITE',
    `${path} is a private key inside the site directory, where the origin would serve it to anyone; move it out of the site and make a new key pair`,
    { path },
  );
}
