/**
 * Whether a WebSocket that reached /peerjs/peerjs may be handed to PeerServer. The checks run
 * cheapest and least stateful first; the first that fails decides the refusal:
 *
 *   1. the node is not shutting down                          SIGNAL_SHUTTING_DOWN
 *   2. the address has a token left (every attempt costs one) SIGNAL_RATE_LIMITED
 *   3. the Origin is allowed (origin-policy.ts)               SIGNAL_ORIGIN_REFUSED
 *   4. id, token and key are each present once, well-formed   SIGNAL_BAD_REQUEST
 *   5. with site tokens, the key is one of them               SIGNAL_SITE_TOKEN_INVALID
 *   6. the node has room for another peer                     SIGNAL_NODE_FULL
 *   7. no live connection holds the id with another token     SIGNAL_ID_TAKEN
 *   8. the address has a free connection slot                 SIGNAL_TOO_MANY_CONNECTIONS
 *
 * Without site tokens the key is not checked (it used to be the public constant `deploynet`), so
 * a site can ship its token before the node starts to require it.
 */
import { DeployNetError } from '../core/errors.js';
import type { AddressLimits } from './address-limits.js';
import { originAllowed } from './origin-policy.js';
import type { PeerClients } from './peer-clients.js';
import { secretIn } from './secret-equal.js';
import type { SignalConfig } from './signal-config.js';

export interface PeerQuery {
  readonly id: string;
  readonly token: string;
  readonly key: string;
}

export interface UpgradeRequest {
  /** The request target, e.g. `/peerjs/peerjs?key=…&id=…&token=…&version=1.5.5`. */
  readonly url: string | undefined;
  readonly origin: string | undefined;
  /** client-address.ts's key for the caller. */
  readonly address: string;
}

export interface AdmissionDeps {
  readonly config: Pick<SignalConfig, 'allowedOrigins' | 'siteTokens' | 'maxPeers'>;
  readonly limits: AddressLimits;
  readonly clients: Pick<PeerClients, 'takenByOther'>;
  readonly draining: () => boolean;
  /** Sockets handed to PeerServer and still open. */
  readonly openSockets: () => number;
}

/** PeerJS's own rule for ids (util.validateId), at most 64 characters. */
export const PEER_ID = /^(?=.{1,64}$)[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/** Reads id, token and key from a PeerJS WebSocket URL; each must appear exactly once. */
export function parsePeerQuery(url: string | undefined): PeerQuery {
  const params = new URL(url ?? '', 'http://signal.invalid').searchParams;
  const one = (name: string, pattern: RegExp): string => {
    const values = params.getAll(name);
    const value = values[0];
    if (values.length !== 1 || value === undefined || !pattern.test(value)) {
      throw new DeployNetError('SIGNAL_BAD_REQUEST', `the WebSocket URL needs exactly one well-formed ${name}`, { field: name });
    }
    return value;
  };
  return { id: one('id', PEER_ID), token: one('token', TOKEN), key: one('key', TOKEN) };
}

/**
 * Runs the checks above; throws the refusal as a DeployNetError. When it returns, one connection
 * is counted for `request.address`: the caller must call `limits.disconnected` when it closes.
 */
export function admitPeer(request: UpgradeRequest, deps: AdmissionDeps): PeerQuery {
  const { config, limits, clients } = deps;
  const refuse = (code: ConstructorParameters<typeof DeployNetError>[0], message: string): never => {
    throw new DeployNetError(code, message);
  };
  if (deps.draining()) refuse('SIGNAL_SHUTTING_DOWN', 'the signal node is shutting down; reconnect in a moment');
  if (!limits.take(request.address)) refuse('SIGNAL_RATE_LIMITED', 'too many requests from your address; slow down');
  if (!originAllowed(config.allowedOrigins, request.origin)) refuse('SIGNAL_ORIGIN_REFUSED', 'this origin may not use this signal node');
  const query = parsePeerQuery(request.url);
  if (config.siteTokens.length > 0 && !secretIn(config.siteTokens, query.key)) {
    refuse('SIGNAL_SITE_TOKEN_INVALID', 'the PeerJS key is not a site token of this signal node');
  }
  if (deps.openSockets() >= config.maxPeers) refuse('SIGNAL_NODE_FULL', 'the signal node has as many peers as it takes; try again later');
  if (clients.takenByOther(query.id, query.token)) refuse('SIGNAL_ID_TAKEN', 'ID is taken');
  if (!limits.tryConnect(request.address)) refuse('SIGNAL_TOO_MANY_CONNECTIONS', 'too many open connections from your address');
  return query;
}
