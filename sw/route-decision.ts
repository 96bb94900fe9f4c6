/**
 * Which requests DeployNet handles (pure). Everything else passes through untouched: other
 * origins, non-GET, requests carrying credentials of their own (an Authorization header), and
 * paths the manifest does not list.
 *
 * Range requests are handled: the SW gets the whole file (cache, peer or origin, verified) and
 * answers the range from it (range-response.ts), so media and large files seek from peers too.
 *
 * Cookies are not a reason to pass through: browsers attach them to every same-origin request
 * (credentials mode 'include' or 'same-origin' alike). What DeployNet serves is the public
 * version: it fetches from the origin without credentials and serves only bytes whose hash the
 * owner signed, so a personalised answer can never be cached or shared.
 */
import { lookupFile, PAGE_SCRIPT_PATH, type Manifest, type ManifestFile } from '../core/index.js';

export interface RequestFacts {
  readonly method: string;
  readonly url: string;
  /** The SW's own origin (self.location.origin). */
  readonly origin: string;
  readonly hasAuthorization: boolean;
}

/** Decoded URL path, or undefined when it is not decodable. */
export function decodedPath(url: URL): string | undefined {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
}

/** Cheap checks that need no manifest. */
export function isCandidate(facts: RequestFacts): boolean {
  if (facts.method !== 'GET') return false;
  if (facts.hasAuthorization) return false;
  return new URL(facts.url).origin === facts.origin;
}

export interface Route {
  readonly path: string;
  readonly file: ManifestFile;
  /** Bootstrap assets are needed to start the bridge, so they never wait on peers. */
  readonly peerEligible: boolean;
}

export function routeFor(manifest: Manifest, url: URL): Route | undefined {
  const path = decodedPath(url);
  if (path === undefined) return undefined;
  const hit = lookupFile(manifest, path);
  if (!hit) return undefined;
  return { path: hit.path, file: hit.file, peerEligible: hit.path !== PAGE_SCRIPT_PATH };
}
