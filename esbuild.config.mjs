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
  { ...browser, entryPoints: ['sw/main.ts'], outfile: 'dist/runtime/deploynet-sw.js' },
  // webrtc-adapter: PeerJS reads only its browserDetails; its shims are no-ops in the browsers of
  // `target` (page-bridge/webrtc-adapter-lite.ts says why), and with `sdp` it was a third of this bundle.
  { ...browser, entryPoints: ['page-bridge/main.ts'], outfile: 'dist/runtime/deploynet.js', alias: { 'webrtc-adapter': './page-bridge/webrtc-adapter-lite.ts' } },
  { ...browser, entryPoints: ['sw/kill-switch-sw.ts'], outfile: 'dist/runtime/deploynet-sw-off.js' },
  { ...browser, entryPoints: ['sw/embed.ts'], outfile: 'dist/runtime/deploynet-sw-lib.js' },
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
