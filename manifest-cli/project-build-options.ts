/**
 * Project file + overrides → the options of buildSite. The CLI and build-tool plugins (esbuild)
 * share this, so a setting means the same wherever the build runs: an override that is not
 * undefined wins over the file, the file wins over buildSite's defaults.
 */
import { DeployNetError } from '../core/errors.js';
import type { BuildSiteOptions } from './build-site.js';
import { configLabel, PROJECT_CONFIG_FILE, type ProjectConfig } from './project-config.js';

/** BuildSiteOptions with every field optional: what a caller sets on top of the project file. */
export type BuildSiteOverrides = { readonly [K in keyof BuildSiteOptions]?: BuildSiteOptions[K] | undefined };

function where(config: ProjectConfig | null): string {
  return config ? configLabel(config.file) : PROJECT_CONFIG_FILE;
}

/**
 * The buildSite options for a project: `overrides` (e.g. flags, or a plugin's own options) win
 * over the project file, which wins over buildSite's defaults. The file's null signalToken and
 * region mean "none", the same as absent. Throws BAD_ARGUMENT when neither names the site folder
 * or the private key.
 *
 * @example
 *   const config = await readProjectConfig();
 *   const result = await buildSite(buildSiteOptionsFromConfig(config, { siteDir: 'out', onProgress }));
 */
export function buildSiteOptionsFromConfig(config: ProjectConfig | null, overrides: BuildSiteOverrides = {}): BuildSiteOptions {
  const c = config ?? undefined;
  const o = overrides;
  // The file's null (signalToken, region) means "none", the same as absent; signal: null is kept
  // as null, which buildSite also reads as "no peers".
  const either = <T>(override: T | undefined, fromFile: T | null | undefined): T | undefined => override ?? fromFile ?? undefined;
  const siteDir = either(o.siteDir, c?.siteDir);
  const keyFile = either(o.keyFile, c?.keyFile);
  if (siteDir === undefined || siteDir === '') {
    throw new DeployNetError('BAD_ARGUMENT', `no site folder to build: pass one, or set "siteDir" in ${where(config)}`, { field: 'siteDir' });
  }
  if (keyFile === undefined || keyFile === '') {
    throw new DeployNetError('BAD_ARGUMENT', `no private key to sign with: pass one, or set "keyFile" in ${where(config)}`, { field: 'keyFile' });
  }
  return {
    // Options only a caller sets (per build, or in-process hooks) pass through untouched.
    ...o,
    siteDir,
    keyFile,
    signal: o.signal !== undefined ? o.signal : c?.signal,
    signalToken: either(o.signalToken, c?.signalToken),
    region: either(o.region, c?.region),
    iceServers: either(o.iceServers, c?.iceServers),
    iceTransportPolicy: either(o.iceTransportPolicy, c?.iceTransportPolicy),
    chunkSize: either(o.chunkSize, c?.chunkSize),
    firstVisit: either(o.firstVisit, c?.firstVisit),
    peerTimeoutMs: either(o.peerTimeoutMs, c?.peerTimeoutMs),
    upload: either(o.upload, c?.upload),
    maxPeers: either(o.maxPeers, c?.maxPeers),
    uploadRateBytesPerSec: either(o.uploadRateBytesPerSec, c?.uploadRateBytesPerSec),
    expires: either(o.expires, c?.expires),
    inject: either(o.inject, c?.inject),
    swMode: either(o.swMode, c?.swMode),
    headers: either(o.headers, c?.headers),
  };
}
