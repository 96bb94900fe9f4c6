import { describe, expect, it } from 'vitest';
import type { BridgeState } from '../core/index.js';
import { chooseBridge, type ChoiceInput } from './bridge-choice.js';

const NOW = 1_000_000;

function input(states: Record<string, BridgeState>, requesterId: string | undefined, overrides: Partial<ChoiceInput> = {}): ChoiceInput {
  return { states: new Map(Object.entries(states)), requesterId, now: NOW, deadline: NOW + 2500, helloDeadline: NOW + 300, ...overrides };
}

describe('chooseBridge', () => {
  it("uses the requester's own bridge when it is ready", () => {
    expect(chooseBridge(input({ me: 'ready' }, 'me'))).toEqual({ kind: 'use', clientId: 'me' });
  });

  it("prefers the requester's own ready bridge over another tab listed first", () => {
    expect(chooseBridge(input({ other: 'ready', me: 'ready' }, 'me'))).toEqual({ kind: 'use', clientId: 'me' });
  });

  it("uses another tab's ready bridge when the requester's is not ready", () => {
    for (const own of ['connecting', 'no-peers', 'off'] as const) {
      expect(chooseBridge(input({ me: own, other: 'ready' }, 'me'))).toEqual({ kind: 'use', clientId: 'other' });
    }
    expect(chooseBridge(input({ other: 'ready' }, 'unannounced'))).toEqual({ kind: 'use', clientId: 'other' });
  });

  it('skips bridges of other tabs that are not ready', () => {
    const states = { a: 'connecting', b: 'no-peers', c: 'off', d: 'ready' } as const;
    expect(chooseBridge(input(states, undefined))).toEqual({ kind: 'use', clientId: 'd' });
  });

  it('waits for a connecting requester until the peer deadline', () => {
    expect(chooseBridge(input({ me: 'connecting' }, 'me'))).toEqual({ kind: 'wait', until: NOW + 2500 });
  });

  it('keeps waiting for a connecting requester after the hello deadline has passed', () => {
    const late = input({ me: 'connecting' }, 'me', { now: NOW + 1000 });
    expect(chooseBridge(late)).toEqual({ kind: 'wait', until: NOW + 2500 });
  });

  it('waits for an unannounced requester until the hello deadline', () => {
    expect(chooseBridge(input({}, 'me'))).toEqual({ kind: 'wait', until: NOW + 300 });
    expect(chooseBridge(input({ other: 'connecting' }, 'me'))).toEqual({ kind: 'wait', until: NOW + 300 });
  });

  it('waits for an unannounced requester no longer than the peer deadline', () => {
    const short = input({}, 'me', { deadline: NOW + 100, helloDeadline: NOW + 300 });
    expect(chooseBridge(short)).toEqual({ kind: 'wait', until: NOW + 100 });
  });

  it('gives up on an unannounced requester once the hello deadline has passed', () => {
    expect(chooseBridge(input({}, 'me', { now: NOW + 300 }))).toEqual({ kind: 'none' });
    expect(chooseBridge(input({}, 'me', { now: NOW + 301 }))).toEqual({ kind: 'none' });
  });

  it('never waits for a navigation (no requester)', () => {
    expect(chooseBridge(input({}, undefined))).toEqual({ kind: 'none' });
    expect(chooseBridge(input({ a: 'connecting', b: 'no-peers' }, undefined))).toEqual({ kind: 'none' });
  });

  it('gives up at and past the deadline, even with a ready bridge', () => {
    expect(chooseBridge(input({ me: 'ready' }, 'me', { now: NOW + 2500 }))).toEqual({ kind: 'none' });
    expect(chooseBridge(input({ me: 'connecting' }, 'me', { now: NOW + 9999 }))).toEqual({ kind: 'none' });
    expect(chooseBridge(input({}, 'me', { deadline: NOW - 1 }))).toEqual({ kind: 'none' });
  });

  it("does not wait for a requester whose bridge says 'no-peers' or 'off'", () => {
    expect(chooseBridge(input({ me: 'no-peers' }, 'me'))).toEqual({ kind: 'none' });
    expect(chooseBridge(input({ me: 'off' }, 'me'))).toEqual({ kind: 'none' });
    expect(chooseBridge(input({ me: 'off', other: 'connecting' }, 'me'))).toEqual({ kind: 'none' });
  });
});
