/**
 * `deploynet/esbuild`: an esbuild plugin that runs `deploynet build` on the site esbuild has just
 * written: after every successful build (and every rebuild under `context.watch()` or
 * `context.rebuild()`) it hashes the site folder, signs the manifest and writes
 * deploynet-manifest.json, deploynet-sw.js and deploynet.js into it, with buildSite itself (the
 * function the CLI calls). Every refusal reaches esbuild as an error of this plugin (one
 * sentence, `id` = the DeployNetError code), never as a thrown exception or an unhandled rejection.
 */
import { resolve } from 'node:path';
import type { BuildResult, OnEndResult, PartialMessage, Plugin, PluginBuild } from 'esbuild';
import { DeployNetError, errorMessage } from '../core/errors.js';
import { buildSite, readIceServersFile, type BuildSiteOptions, type BuildSiteResult } from './build-site.js';
import { buildSummary } from './cli-output.js';

/**
 * The options of `deploynet build` under their Node API names (see {@link BuildSiteOptions}: the
 * CLI's `--key` is `keyFile`, `--upload-rate` is `uploadRateBytesPerSec`, `--relay-only` is
 * `iceTransportPolicy: 'relay'`, `--kill-switch` is `killSwitch`), so buildSite options, written
 * by hand or derived from a project config file, pass to the plugin as they are. `siteDir`
 * becomes optional (esbuild's `outdir` by default); `beforeRead`, a test seam, is not offered.
 */
export interface DeployNetEsbuildOptions extends Omit<BuildSiteOptions, 'siteDir' | 'beforeRead'> {
  /**
   * The folder to sign, as served by the origin; default: esbuild's `outdir`. Relative paths are
   * resolved from esbuild's `absWorkingDir` (default: the current directory), as esbuild does.
   */
  readonly siteDir?: string;
  /** `deploynet build --ice-servers FILE`: a JSON array of RTCIceServer objects, read on every build. Not with `iceServers`. */
  readonly iceServersFile?: string;
  /** Called after each DeployNet build that succeeded (once per rebuild in watch mode). */
  readonly onBuilt?: (result: BuildSiteResult) => void;
}

export const PLUGIN_NAME = 'deploynet';

/** One esbuild error message for anything the DeployNet build refused or failed on. */
function esbuildError(err: unknown): PartialMessage {
  if (err instanceof DeployNetError) {
    // `id` carries the code (tests and scripts match it); the text is the CLI's one sentence.
    const text = err.code === 'INTERNAL' ? `internal error: ${err.message}` : err.message;
    return { id: err.code, text, pluginName: PLUGIN_NAME };
  }
  return { id: 'INTERNAL', text: `internal error: ${errorMessage(err)}`, pluginName: PLUGIN_NAME };
}

/** The site folder for this build, or a DeployNetError saying what to set. */
function siteDirOf(options: DeployNetEsbuildOptions, initial: PluginBuild['initialOptions']): string {
  const dir = options.siteDir ?? initial.outdir;
  if (dir === undefined || dir === '') {
    throw new DeployNetError('BAD_CONFIG', 'the deploynet esbuild plugin needs the site folder: set esbuild\'s outdir, or the plugin\'s siteDir option');
  }
  return resolve(initial.absWorkingDir ?? process.cwd(), dir);
}

/** Mistakes in how the plugin is used, refused before the key is even read. */
function checkOptions(options: DeployNetEsbuildOptions, initial: PluginBuild['initialOptions']): void {
  if (initial.write === false) {
    throw new DeployNetError(
      'BAD_CONFIG',
      'the deploynet esbuild plugin signs the files esbuild writes, but this build has write: false; remove write: false (or run `deploynet build` after writing the output yourself)',
    );
  }
  if (typeof options.keyFile !== 'string' || options.keyFile === '') {
    throw new DeployNetError('BAD_CONFIG', 'the deploynet esbuild plugin needs keyFile: the private key from `deploynet keygen`');
  }
  if (options.iceServers !== undefined && options.iceServersFile !== undefined) {
    throw new DeployNetError('BAD_CONFIG', 'set iceServers or iceServersFile for the deploynet esbuild plugin, not both');
  }
}

/** esbuild logLevels at which the plugin prints the CLI's summary line after each build. */
const CHATTY = new Set(['info', 'debug', 'verbose']);

/**
 * The esbuild plugin. Put it last in `plugins`: esbuild runs end callbacks in order, and this one
 * must sign the output every other plugin has finished writing.
 *
 * @example
 * ```js
 * import * as esbuild from 'esbuild';
 * import { deploynetPlugin } from 'deploynet/esbuild';
 *
 * await esbuild.build({
 *   entryPoints: ['src/app.ts'],
 *   bundle: true,
 *   outdir: 'public/js',
 *   plugins: [deploynetPlugin({ keyFile: 'deploynet.key', siteDir: 'public', signal: 'https://signal.example.com', inject: true })],
 * });
 * ```
 */
export function deploynetPlugin(options: DeployNetEsbuildOptions): Plugin {
  return {
    name: PLUGIN_NAME,
    setup(build: PluginBuild) {
      const initial = build.initialOptions;
      // Versions default to unix seconds, as in the CLI; two rebuilds in one second must still
      // give visitors a newer manifest, so each build's version is above the previous one.
      let lastVersion = 0;

      /** One DeployNet build of `siteDir`, with the same buildSite call as `deploynet build`. */
      const deploy = async (siteDir: string): Promise<BuildSiteResult> => {
        const { iceServersFile, onBuilt: _onBuilt, siteDir: _siteDir, ...buildOptions } = options;
        const iceServers = iceServersFile === undefined ? options.iceServers : await readIceServersFile(iceServersFile);
        const now = options.now ?? Date.now();
        const version = options.version ?? Math.max(Math.floor(now / 1000), lastVersion + 1);
        return buildSite({ ...buildOptions, siteDir, now, version, ...(iceServers !== undefined && { iceServers }) });
      };

      build.onEnd(async (result: BuildResult): Promise<OnEndResult> => {
        // A failed build wrote nothing worth signing; esbuild already reports why.
        if (result.errors.length > 0) return {};
        let siteDir: string;
        let built: BuildSiteResult;
        try {
          checkOptions(options, initial);
          siteDir = siteDirOf(options, initial);
          built = await deploy(siteDir);
        } catch (err) {
          return { errors: [esbuildError(err)] };
        }
        const warnings: PartialMessage[] = [];
        if (built.version === lastVersion) {
          const text = `this rebuild signed version ${built.version} again, so visitors who hold it refuse the new manifest; leave version unset in watch mode`;
          warnings.push({ id: 'VERSION_REPEATED', pluginName: PLUGIN_NAME, text });
        }
        lastVersion = built.version;
        if (CHATTY.has(initial.logLevel ?? '')) process.stderr.write(`[${PLUGIN_NAME}] ${buildSummary(built)} in ${siteDir}\n`);
        try {
          options.onBuilt?.(built);
        } catch (err) {
          return { warnings, errors: [{ id: 'ON_BUILT_FAILED', pluginName: PLUGIN_NAME, text: `the site was built, but onBuilt threw: ${errorMessage(err)}` }] };
        }
        return { warnings };
      });
    },
  };
}

export default deploynetPlugin;
