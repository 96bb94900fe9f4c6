// Bundles the four runtimes. tsc (npm run typecheck) checks types; esbuild only bundles.
//   dist/runtime/deploynet-sw.js  service worker template (classic script; config prelude added by `deploynet build`)
//   dist/runtime/deploynet.js     page script template (loaded as type="module"; same prelude)
//   dist/runtime/deploynet-sw-off.js  the no-op SW `deploynet build --kill-switch` writes instead
//   dist/runtime/deploynet-sw-lib.js  DeployNet for a site's own SW (importScripts; `build --sw-mode embed`, same prelude)
//   dist/cli.js                   the `deploynet` bin
//   dist/index.js                 the Node API (build, verify, keygen, signal, serve) for build tools
//   dist/esbuild.js               the esbuild plugin (`deploynet/esbuild`)
//   dist/types/                   declarations of those two (emit-types.mjs; not in --watch)
//   dist/demo.js                  `npm start`
import * as esbuild from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { minify } from 'terser';
import { emitTypes } from './emit-types.mjs';

const watch = process.argv.includes('--watch');

const browser = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

/**
 * The service worker has a size budget (issue 6: deploynet-sw.js under 15 KB gzipped, which every
 * visitor downloads on every deploy). After esbuild's minifier, terser's compressor and mangler
 * take a further ~0.9 KB gzipped off it (15.7 -> 14.8 KB) (it merges statements and renames more tightly); esbuild
 * stays the bundler. Only the worker bundles get it. Globals (the `__DEPLOYNET_CONFIG__` prelude
 * the build prepends) are never renamed: terser only renames what is declared inside the IIFE.
 */
const terserPass = {
  name: 'terser-pass',
  setup(build) {
    // esbuild keeps the bundle in memory (write: false), so the file on disk is only ever the final one.
    build.initialOptions.write = false;
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const [bundle] = result.outputFiles;
      const { code } = await minify(bundle.text, { ecma: 2020, module: false, compress: { passes: 2 }, mangle: true, format: { comments: false } });
      await mkdir(dirname(bundle.path), { recursive: true });
      await writeFile(bundle.path, code);
    });
  },
};

const node = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};

const builds = [
  { ...browser, entryPoints: ['sw/main.ts'], outfile: 'dist/runtime/deploynet-sw.js', plugins: [terserPass] },
  // webrtc-adapter: PeerJS reads only its browserDetails; its shims are no-ops in the browsers of
  // `target` (page-bridge/webrtc-adapter-lite.ts says why), and with `sdp` it was a third of this bundle.
  { ...browser, entryPoints: ['page-bridge/main.ts'], outfile: 'dist/runtime/deploynet.js', alias: { 'webrtc-adapter': './page-bridge/webrtc-adapter-lite.ts' } },
  { ...browser, entryPoints: ['sw/kill-switch-sw.ts'], outfile: 'dist/runtime/deploynet-sw-off.js', plugins: [terserPass] },
  { ...browser, entryPoints: ['sw/embed.ts'], outfile: 'dist/runtime/deploynet-sw-lib.js', plugins: [terserPass] },
  { ...node, entryPoints: ['manifest-cli/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['manifest-cli/index.ts'], outfile: 'dist/index.js' },
  { ...node, entryPoints: ['manifest-cli/esbuild-plugin.ts'], outfile: 'dist/esbuild.js' },
  { ...node, entryPoints: ['manifest-cli/demo.ts'], outfile: 'dist/demo.js' },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  emitTypes();
}
