/** The Content-Type the service worker answers with, from the file name (mime-types). */
import mime from 'mime-types';

export const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

/** `text/css; charset=utf-8` for text types, `image/png` for others, octet-stream when unknown. */
export function contentTypeOf(manifestPath: string): string {
  // The whole URL path, not the bare name: a file called `html` has no extension.
  const type = mime.lookup(manifestPath);
  if (type === false) return FALLBACK_CONTENT_TYPE;
  return mime.charset(type) === false ? type : `${type}; charset=utf-8`;
}
