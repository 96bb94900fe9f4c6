/** The reality check's real side read from a benchmark file: its rows, its date, and bad files. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstVisitOverhead, recordedRealSide } from '../sim/reality-check.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploynet-reality-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const row = (visitors: number, arrival: string, originBytes: number, pageBytes: number) => ({ visitors, arrival, originBytes, pageBytes, offload: 1 - originBytes / pageBytes });

async function benchFile(content: string): Promise<string> {
  const file = join(dir, `bench-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, content);
  return file;
}

describe('the reality check from a recorded benchmark', () => {
  it('reads the lone and the 4-visitor "one after another" rows and says which file and date', async () => {
    const results = [row(4, 'all at once', 15e6, 30e6), row(1, 'one after another', 7_800_000, 7_600_000), row(4, 'one after another', 9_000_000, 30_400_000)];
    const file = await benchFile(JSON.stringify({ date: '2026-11-22T03:57:26.747Z', results }));
    const real = await recordedRealSide(file, 4);
    expect(real.swarm).toEqual({ visitors: 4, originBytes: 9_000_000, pageBytes: 30_400_000, offload: 1 - 9_000_000 / 30_400_000 });
    expect(real.lone.originBytes).toBe(7_800_000);
    expect(real.source).toBe(`${file} of 2026-11-22T03:57:26.747Z`);
    expect(firstVisitOverhead(real.lone)).toBe(200_000);
  });

  it('never counts a negative overhead', () => {
    expect(firstVisitOverhead({ visitors: 1, originBytes: 5, pageBytes: 9, offload: 0 })).toBe(0);
  });

  it('says in one sentence what is wrong with a missing file, bad JSON, or a missing row', async () => {
    await expect(recordedRealSide(join(dir, 'none.json'), 4)).rejects.toThrow(/^There is no .*none\.json: run npm run bench:offload first/);
    await expect(recordedRealSide(await benchFile('{ not json'), 4)).rejects.toThrow(/is not valid JSON/);
    const onlyLone = await benchFile(JSON.stringify({ date: 'x', results: [row(1, 'one after another', 8e6, 7.6e6)] }));
    await expect(recordedRealSide(onlyLone, 4)).rejects.toThrow(/has no complete 4-visitor "one after another" row/);
  });
});
