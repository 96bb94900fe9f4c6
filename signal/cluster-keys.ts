/**
 * Where several signal nodes sharing one Redis (`--redis URL`) keep their state: every key and
 * channel name in one place.
 *
 *   deploynet:signal:peer:<peer id>        hash { node, token, swarm, holds, region }: the node
 *                                          holding the peer's socket, SHA-256 of its PeerJS token
 *                                          (never the token), the swarm set it joined, if any, and
 *                                          what it said in that join: holds (a decimal from 0 to
 *                                          1) and region ('' for none); expires after the presence
 *                                          TTL unless that node refreshes it; deleted when the
 *                                          peer leaves its node
 *   deploynet:signal:swarm:<swarm key>     sorted set of peer ids scored by expiry time (ms,
 *                                          Redis's clock); expired members are pruned on every
 *                                          join, a member is removed when it leaves its node and
 *                                          when a join draws it with its presence gone; the key
 *                                          itself expires after two TTLs unused
 *   deploynet:signal:relay:<node id>       pub/sub channel: PeerJS messages for peers on that
 *                                          node (relay-envelope.ts)
 *
 * A node id is 16 random hex digits, new at every start: a restarted node is a new node.
 */
import { randomBytes } from 'node:crypto';

export const CLUSTER_PREFIX = 'deploynet:signal:';

export const NODE_ID = /^[0-9a-f]{16}$/;

export function newNodeId(): string {
  return randomBytes(8).toString('hex');
}

/** Prefix of every presence key (the join script reads the presences of the members it draws). */
export const PRESENCE_PREFIX = `${CLUSTER_PREFIX}peer:`;

export function presenceKey(peerId: string): string {
  return `${PRESENCE_PREFIX}${peerId}`;
}

/** `swarm` is swarm-registry.ts's swarmKey (origin | key id | version). */
export function swarmSetKey(swarm: string): string {
  return `${CLUSTER_PREFIX}swarm:${swarm}`;
}

/** Prefix of every relay channel (the forward script appends the node id it finds). */
export const RELAY_PREFIX = `${CLUSTER_PREFIX}relay:`;

export function relayChannel(nodeId: string): string {
  return `${RELAY_PREFIX}${nodeId}`;
}
