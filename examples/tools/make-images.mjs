#!/usr/bin/env node
// Regenerates the example site's PNG images, byte for byte (seeded PRNG, fixed zlib level):
//   node examples/tools/make-images.mjs [SITE_DIR]      (default: examples/site)
// images/photo-100k.png  ~100 KiB  a small landscape "photo" with film grain
// images/tile-*.png      a few KiB  flat gallery thumbnails (they compress well, on purpose)
// media/panorama.png     ~5.5 MiB  a wide landscape with fine grain, so deflate cannot shrink it much
// Other generators (make-pwa-icons.mjs) import encodePng; importing this module writes nothing.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length (BE u32), type, data, CRC32 over type+data. */
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes an 8-bit RGB image; pixel(x, y) returns [r, g, b]. Every row uses filter 0 (None). */
export function encodePng(width, height, pixel) {
  const raw = Buffer.alloc(height * (1 + width * 3));
  let i = 0;
  for (let y = 0; y < height; y++) {
    raw[i++] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[i++] = clamp(r);
      raw[i++] = clamp(g);
      raw[i++] = clamp(b);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, filter set 0, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** mulberry32: small, fast, deterministic. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A landscape: sky gradient, a sun, two mountain ridges, a lake; `grain` is the noise amplitude. */
function landscape(width, height, seed, grain) {
  const rand = prng(seed);
  const phases = Array.from({ length: 6 }, () => rand() * Math.PI * 2);
  const ridge = (x, layer) => {
    const u = x / width;
    const p = phases.slice(layer * 3, layer * 3 + 3);
    return 0.5 - 0.12 * layer + 0.08 * Math.sin(u * 7 + p[0]) + 0.05 * Math.sin(u * 19 + p[1]) + 0.02 * Math.sin(u * 53 + p[2]);
  };
  const sunX = width * 0.7, sunY = height * 0.28, sunR = height * 0.09;
  const lake = height * 0.78;
  return (x, y) => {
    const v = y / height;
    let c;
    if (y > lake) {
      const d = (y - lake) / (height - lake);
      c = [40 + 30 * (1 - d), 80 + 40 * (1 - d), 120 + 30 * (1 - d)];
    } else if (v > ridge(x, 0) + 0.2) {
      c = [40 + 40 * v, 70 + 30 * v, 50];
    } else if (v > ridge(x, 1) + 0.2) {
      c = [90, 100 + 20 * v, 130];
    } else {
      c = [250 - 140 * v, 170 - 40 * v, 120 + 110 * v];
      const dx = x - sunX, dy = y - sunY;
      const glow = Math.max(0, 1 - Math.sqrt(dx * dx + dy * dy) / (sunR * 4));
      if (dx * dx + dy * dy < sunR * sunR) c = [255, 236, 180];
      else c = [c[0] + 60 * glow, c[1] + 50 * glow, c[2] + 10 * glow];
    }
    return [c[0] + (rand() - 0.5) * grain, c[1] + (rand() - 0.5) * grain, c[2] + (rand() - 0.5) * grain];
  };
}

/** A flat thumbnail: diagonal stripes in two colours. */
function stripes(a, b) {
  return (x, y) => (((x + y) >> 4) & 1 ? a : b);
}

// Only when run as a script, so that importing this module for encodePng writes nothing.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const siteDir = resolve(process.argv[2] ?? join(here, '..', 'site'));
  const outputs = [
    ['images/photo-100k.png', encodePng(228, 170, landscape(228, 170, 0x5eed01, 40))],
    ['images/tile-dawn.png', encodePng(160, 120, stripes([250, 170, 120], [255, 214, 170]))],
    ['images/tile-lake.png', encodePng(160, 120, stripes([60, 100, 140], [110, 160, 190]))],
    ['images/tile-ridge.png', encodePng(160, 120, stripes([50, 80, 60], [90, 120, 100]))],
    ['media/panorama.png', encodePng(2600, 870, landscape(2600, 870, 0x5eed02, 40))],
  ];

  for (const [rel, bytes] of outputs) {
    const file = join(siteDir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    console.log(`${rel.padEnd(24)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB  ${file}`);
  }
}
