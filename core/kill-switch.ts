/**
 * The kill switch's rules, shared by the service worker and the page script: the URL parameter
 * (`?deploynet=off`) and which caches are DeployNet's. Pure: they take the query string, not a URL.
 */
import { CONTENT_CACHE } from './manifest.js';

export const KILL_SWITCH_PARAM = 'deploynet';
export const KILL_SWITCH_VALUE = 'off';
/** Every cache DeployNet creates is named `deploynet-…` (CONTENT_CACHE and any later one). */
export const CACHE_PREFIX = 'deploynet-';

/** A query part's name or value, decoded as URLSearchParams would (`+` is a space). */
function decodePart(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function partName(part: string): string {
  return decodePart(part.split('=', 1)[0] ?? '');
}

function partValue(part: string): string {
  const at = part.indexOf('=');
  return at < 0 ? '' : decodePart(part.slice(at + 1));
}

function parts(search: string): string[] {
  return (search.startsWith('?') ? search.slice(1) : search).split('&').filter((p) => p !== '');
}

/** True when a query string (`location.search`) has `deploynet=off`, value case-insensitive. */
export function queryHasKillSwitch(search: string): boolean {
  return parts(search).some((p) => partName(p) === KILL_SWITCH_PARAM && partValue(p).trim().toLowerCase() === KILL_SWITCH_VALUE);
}

/** The query string without any `deploynet` parameter; the others keep their exact text. */
export function queryWithoutKillSwitch(search: string): string {
  const kept = parts(search).filter((p) => partName(p) !== KILL_SWITCH_PARAM);
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

export function isDeployNetCacheName(name: string): boolean {
  return name === CONTENT_CACHE || name.startsWith(CACHE_PREFIX);
}

/** The slice of CacheStorage the clean-up needs (core reads no globals: the caller passes it). */
export interface CacheNames {
  keys(): Promise<string[]>;
  delete(name: string): Promise<boolean>;
}

/** Deletes every DeployNet cache; a cache that will not go is skipped, never fatal. Returns what went. */
export async function clearDeployNetCaches(caches: CacheNames): Promise<string[]> {
  const names = (await caches.keys()).filter(isDeployNetCacheName);
  const results = await Promise.allSettled(names.map((name) => caches.delete(name)));
  return names.filter((_, i) => results[i]?.status === 'fulfilled');
}
