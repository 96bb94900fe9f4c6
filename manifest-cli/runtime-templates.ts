/**
 * The two browser runtimes that `build` configures for a site: esbuild writes them to
 * dist/runtime/ (see esbuild.config.mjs) and the build prepends the site's config as a global.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DeployNetError } from '../core/errors.js';
import type { SiteConfig } from '../core/site-config.js';

export const SW_TEMPLATE = 'deploynet-sw.js';
export const PAGE_TEMPLATE = 'deploynet.js';

export interface RuntimeTemplates {
  readonly sw: string;
  readonly page: string;
  readonly dir: string;
}

/**
 * Where to look: next to the bundle (dist/cli.js, dist/index.js → dist/runtime/), then, when this
 * runs from TypeScript source (vitest), the repository's dist/runtime/.
 */
export function defaultRuntimeDirs(): string[] {
  return [new URL('./runtime/', import.meta.url), new URL('../dist/runtime/', import.meta.url)].map((u) => fileURLToPath(u));
}

async function readBoth(dir: string): Promise<RuntimeTemplates | undefined> {
  try {
    const [sw, page] = await Promise.all([readFile(`${dir}/${SW_TEMPLATE}`, 'utf8'), readFile(`${dir}/${PAGE_TEMPLATE}`, 'utf8')]);
    return { sw, page, dir };
  } catch {
    return undefined;
  }
}

export async function loadRuntimeTemplates(runtimeDir?: string): Promise<RuntimeTemplates> {
  const dirs = runtimeDir === undefined ? defaultRuntimeDirs() : [runtimeDir];
  for (const dir of dirs) {
    const found = await readBoth(dir);
    if (found) return found;
  }
  throw new DeployNetError(
    'BAD_CONFIG',
    `the runtime templates ${SW_TEMPLATE} and ${PAGE_TEMPLATE} are missing from ${dirs.join(' and ')}; run \`npm run build\` first`,
    { dirs },
  );
}

/**
 * DeployNet for a site's own service worker (sw/embed.ts): `build` writes it, with the same
 * prelude, instead of deploynet-sw.js when the site's worker imports it (`swMode: 'embed'`).
 */
export const SW_LIB_TEMPLATE = 'deploynet-sw-lib.js';

/**
 * Prepended to deploynet.js in embed mode, after the config prelude: the page script then waits
 * for the site's own worker to control the page instead of registering deploynet-sw.js
 * (page-bridge/first-visit.ts reads this global).
 */
export const EMBED_PAGE_PRELUDE = 'var __DEPLOYNET_SW_MODE__ = "embed";\n';

export async function loadSwLibTemplate(dir: string): Promise<string> {
  const path = `${dir}/${SW_LIB_TEMPLATE}`;
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new DeployNetError('BAD_CONFIG', `the runtime template ${path} is missing; run \`npm run build\` first`, { path });
  }
}

/** Exactly the line the runtime bundles read their configuration from. */
export function configPrelude(config: SiteConfig): string {
  return `var __DEPLOYNET_CONFIG__ = ${JSON.stringify(config)};\n`;
}
