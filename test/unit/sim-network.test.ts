import { describe, expect, it } from 'vitest';
import { Pipe, pathRtt, transfer } from '../sim/network.js';

describe('Pipe', () => {
  it('passes transfers one after another at its rate', () => {
    const pipe = new Pipe(1000); // 1 byte per ms
    expect(pipe.pass(0, 500)).toBe(500);
    expect(pipe.pass(100, 500)).toBe(1000); // waits for the first
    expect(pipe.pass(2000, 100)).toBe(2100); // an idle pipe starts at once
  });
});

describe('transfer', () => {
  it('is paced by the slower side and delayed by the one-way time', () => {
    const fastUp = new Pipe(10_000);
    const slowDown = new Pipe(1000);
    const t = transfer(fastUp, slowDown, 0, 1000, 20, true);
    expect(t.firstByte).toBe(20);
    expect(t.arrival).toBe(1020);
    const slowUp = new Pipe(1000);
    const fastDown = new Pipe(10_000);
    expect(transfer(slowUp, fastDown, 0, 1000, 20, true).arrival).toBe(1020);
  });

  it('queues behind earlier transfers on either pipe, and only when reserved', () => {
    const up = new Pipe(1000);
    const down = new Pipe(1000);
    const plan = transfer(up, down, 0, 1000, 0, false);
    expect(transfer(up, down, 0, 1000, 0, false)).toEqual(plan); // planning reserves nothing
    transfer(up, down, 0, 1000, 0, true);
    expect(transfer(up, new Pipe(1e9), 0, 1000, 0, true).arrival).toBe(2000); // behind on the uplink
    expect(transfer(new Pipe(1e9), down, 0, 1000, 0, true).arrival).toBe(2000); // behind on the downlink
  });

  it('takes the mean of the two last miles as the path round trip', () => {
    expect(pathRtt({ rttMs: 10, up: new Pipe(1), down: new Pipe(1) }, { rttMs: 30, up: new Pipe(1), down: new Pipe(1) })).toBe(20);
  });
});
