/**
 * Which page bridge the SW asks for a request, or how long to wait for one (pure).
 *
 * A page's bridge announces itself ('connecting', then 'ready' or 'no-peers') right after its
 * script starts. Subresource requests of a page that has not announced yet wait a short while for
 * it (helloWaitMs); a bridge that is connecting is waited for until the request's peer deadline.
 * Navigations have no page yet: they use a ready bridge of another tab or none.
 */
import type { BridgeState } from '../core/index.js';

export type BridgeChoice =
  | { readonly kind: 'use'; readonly clientId: string }
  | { readonly kind: 'wait'; readonly until: number }
  | { readonly kind: 'none' };

export interface ChoiceInput {
  /** Live bridge clients and their last state. */
  readonly states: ReadonlyMap<string, BridgeState>;
  /** The page that made the request; undefined for navigations. */
  readonly requesterId: string | undefined;
  readonly now: number;
  /** When the peer attempt must give up. */
  readonly deadline: number;
  /** Until when an unannounced requester may still announce. */
  readonly helloDeadline: number;
}

export function chooseBridge(input: ChoiceInput): BridgeChoice {
  const { states, requesterId, now, deadline } = input;
  if (now >= deadline) return { kind: 'none' };
  const own = requesterId === undefined ? undefined : states.get(requesterId);
  if (own === 'ready' && requesterId !== undefined) return { kind: 'use', clientId: requesterId };
  for (const [id, state] of states) if (state === 'ready') return { kind: 'use', clientId: id };
  if (requesterId === undefined) return { kind: 'none' };
  if (own === 'connecting') return { kind: 'wait', until: deadline };
  if (own === undefined && now < input.helloDeadline) return { kind: 'wait', until: Math.min(deadline, input.helloDeadline) };
  return { kind: 'none' };
}
