#!/usr/bin/env node
// Regenerates the example site's audio clip, byte for byte (pure arithmetic, no randomness):
//   node examples/tools/make-audio.mjs [SITE_DIR]      (default: examples/site)
// media/chime.wav  ~129 KiB  3 s, PCM 16-bit mono 22,050 Hz: a C major chime (C5 E5 G5 C6, struck
//                            one after another), bell-like partials, soft attack, exponential decay
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const siteDir = resolve(process.argv[2] ?? join(here, '..', 'site'));

const RATE = 22_050;
const SECONDS = 3;
const PEAK = 0.7; // of full scale, leaves headroom

/** The notes: frequency (Hz), onset (s), loudness. */
const NOTES = [
  [523.25, 0.0, 1.0],
  [659.26, 0.09, 0.8],
  [783.99, 0.18, 0.75],
  [1046.5, 0.27, 0.55],
];
/** Bell-ish partials: frequency ratio, amplitude, decay time constant (s). */
const PARTIALS = [
  [1, 1.0, 0.9],
  [2, 0.35, 0.45],
  [3, 0.12, 0.25],
  [4.2, 0.05, 0.12],
];
const ATTACK_S = 0.006;
const FADE_S = 0.25; // to exact silence at the end

function chime() {
  const n = RATE * SECONDS;
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let v = 0;
    for (const [freq, onset, loud] of NOTES) {
      const u = t - onset;
      if (u < 0) continue;
      const attack = Math.min(1, u / ATTACK_S);
      for (const [ratio, amp, tau] of PARTIALS) v += loud * amp * attack * Math.exp(-u / tau) * Math.sin(2 * Math.PI * freq * ratio * u);
    }
    samples[i] = v * Math.min(1, (SECONDS - t) / FADE_S);
  }
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  return samples.map((s) => (s / peak) * PEAK);
}

/** A canonical 44-byte-header WAV: RIFF/WAVE, `fmt ` (PCM), `data` (little-endian int16). */
function encodeWav(samples) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(s * 32767))), i * 2));
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVE', 8, 'latin1');
  head.write('fmt ', 12, 'latin1');
  head.writeUInt32LE(16, 16); // fmt chunk size
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(RATE, 24);
  head.writeUInt32LE(RATE * 2, 28); // byte rate
  head.writeUInt16LE(2, 32); // block align
  head.writeUInt16LE(16, 34); // bits per sample
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

const rel = 'media/chime.wav';
const file = join(siteDir, rel);
const bytes = encodeWav(chime());
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, bytes);
console.log(`${rel.padEnd(24)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB  ${file}`);
