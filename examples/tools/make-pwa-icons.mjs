#!/usr/bin/env node
// Regenerates the PWA example's icons, byte for byte (pure geometry, fixed zlib level):
//   node examples/tools/make-pwa-icons.mjs [APP_DIR]      (default: examples/pwa)
// icons/icon-192.png, icons/icon-512.png  purpose "any": a ruled notebook page with a leaf
// icons/maskable-512.png                  purpose "maskable": the same, shrunk into the safe zone
// apple-touch-icon.png                    180x180, full bleed (iOS rounds the corners itself)
// The icons are opaque RGB squares: encodePng (shared with make-images.mjs) writes RGB only, and a
// launcher draws an opaque square icon as it is.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './make-images.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = resolve(process.argv[2] ?? join(here, '..', 'pwa'));

// The app's palette (css/app.css and manifest.webmanifest use the same colours).
const FOREST = [47, 111, 79]; // #2f6f4f, theme_color
const PAPER = [246, 241, 227]; // #f6f1e3, background_color
const RULE = [155, 184, 168];
const MARGIN = [214, 120, 104];
const LEAF = [233, 162, 59];

/** Signed distance to a rounded rectangle centred at (cx, cy): negative inside. */
function roundedRect(x, y, cx, cy, halfW, halfH, radius) {
  const qx = Math.abs(x - cx) - halfW + radius;
  const qy = Math.abs(y - cy) - halfH + radius;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** The leaf: the intersection of two discs, tilted 45 degrees; negative inside. */
function leaf(x, y, cx, cy, size) {
  const u = ((x - cx) + (y - cy)) / Math.SQRT2 / size;
  const v = ((x - cx) - (y - cy)) / Math.SQRT2 / size;
  return Math.max(Math.hypot(u, v - 0.6) - 1, Math.hypot(u, v + 0.6) - 1) * size;
}

/**
 * The artwork in unit coordinates (0..1 on both axes); `scale` shrinks the glyph around the
 * centre (1 for "any", 0.8 for "maskable", whose safe zone is the centred circle of radius 0.4).
 */
function artwork(scale) {
  return (px, py) => {
    const x = 0.5 + (px - 0.5) / scale;
    const y = 0.5 + (py - 0.5) / scale;
    if (leaf(x, y, 0.67, 0.7, 0.085) < 0) return LEAF;
    if (roundedRect(x, y, 0.5, 0.5, 0.22, 0.3, 0.035) >= 0) return FOREST;
    if (x > 0.355 && x < 0.365) return MARGIN;
    for (const line of [0.34, 0.43, 0.52, 0.61]) if (Math.abs(y - line) < 0.008 && x > 0.38 && x < 0.67) return RULE;
    return PAPER;
  };
}

/** Averages a 4x4 grid of samples per pixel, so the edges are smooth and still deterministic. */
function render(size, draw) {
  const n = 4;
  return encodePng(size, size, (x, y) => {
    const sum = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const c = draw((x + (i + 0.5) / n) / size, (y + (j + 0.5) / n) / size);
        for (let k = 0; k < 3; k++) sum[k] += c[k];
      }
    }
    return sum.map((s) => s / (n * n));
  });
}

const outputs = [
  ['icons/icon-192.png', render(192, artwork(1))],
  ['icons/icon-512.png', render(512, artwork(1))],
  ['icons/maskable-512.png', render(512, artwork(0.8))],
  ['apple-touch-icon.png', render(180, artwork(0.9))],
];

for (const [rel, bytes] of outputs) {
  const file = join(appDir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  console.log(`${rel.padEnd(24)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB  ${file}`);
}
