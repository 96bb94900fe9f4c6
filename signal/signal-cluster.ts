/**
 * One node's part in a group of signal nodes sharing a Redis (`--redis URL`): presence (which node
 * holds each peer id), swarm membership across nodes, and relaying between peers on different
 * nodes (cross-node-relay.ts). Without --redis none of this exists and the node keeps everything
 * in memory, as before.
 *
 * Liveness: every presenceTtlMs / 3 the node extends its peers' presence and swarm entries by
 * presenceTtlMs, a slice at a time over that interval (presence-refresh.ts, which has the
 * bounds). A node that dies stops; within presenceTtlMs of its death its peers' presence expires
 * and they drop out of swarm answers. A peer that reconnects anywhere
 * with its PeerJS token takes its id over at once, even before that.
 *
 * Redis down (or not answering within redis-link.ts's timeout): the node keeps serving its own
 * peers. Admission checks ids on this node only, swarm joins answer from this node's members,
 * messages to peers elsewhere get PeerServer's EXPIRE. Once Redis is back, the next refresh
 * writes this node's presence and swarm entries again.
 */
import { newNodeId, relayChannel } from './cluster-keys.js';
import { ClusterState, type JoiningPeer } from './cluster-state.js';
import { CrossNodeRelay } from './cross-node-relay.js';
import { PresenceRefresh } from './presence-refresh.js';
import type { SignalMetrics } from './metrics.js';
import type { PeerClients } from './peer-clients.js';
import { RedisLink } from './redis-link.js';
import type { SignalConfig } from './signal-config.js';
import type { SwarmRegistry } from './swarm-registry.js';
import type { SwarmMember } from './swarm-selection.js';

/** How long a starting node waits for Redis before it starts degraded (and keeps trying). */
const STARTUP_WAIT_MS = 5000;

export interface SignalCluster {
  readonly nodeId: string;
  /** Whether Redis is reachable now. */
  readonly up: boolean;
  /** False when a live peer on some node holds `peerId` with another token; true while Redis is down. */
  claim(peerId: string, token: string): Promise<boolean>;
  /** Whether `peerId` is live on some node with exactly `token`; false when Redis cannot say. */
  owns(peerId: string, token: string): Promise<boolean>;
  /** A peer left this node. */
  released(peerId: string): void;
  /**
   * Joins across nodes and draws live members of every node for the caller to rank
   * (cluster-state.ts); 'gone' when no live peer has that id and token; undefined when Redis
   * failed (answer locally).
   */
  join(swarm: string, peer: JoiningPeer, connectedHere: boolean): Promise<SwarmMember[] | 'gone' | undefined>;
  /** cross-node-relay.ts's route; with Redis down everything stays with PeerServer. */
  route(srcId: string, text: string, handBack: () => void): boolean;
  close(): Promise<void>;
}

export interface SignalClusterDeps {
  readonly config: SignalConfig;
  readonly clients: PeerClients;
  /** This node's own joins: after Redis lost its data, the refresh writes them again. */
  readonly registry: SwarmRegistry;
  readonly metrics: SignalMetrics;
}

export async function startSignalCluster(url: string, deps: SignalClusterDeps): Promise<SignalCluster> {
  const { config, clients, registry, metrics } = deps;
  const { log, presenceTtlMs } = config;
  const nodeId = newNodeId();
  const channel = relayChannel(nodeId);
  const link = new RedisLink({ url, log, metrics, onMessage: (ch, text) => ch === channel && relay.receive(text) });
  const failed = (operation: string, error: unknown): void => link.failed(operation, error);
  const state = new ClusterState(link, nodeId, presenceTtlMs);
  const relay = new CrossNodeRelay({ state, clients, metrics, log, failed, maxEnvelopeChars: config.maxMessageBytes + 1024 });
  link.subscribe(channel);

  const refresher = new PresenceRefresh({
    roundMs: Math.max(100, Math.floor(presenceTtlMs / 3)),
    peerIds: () => clients.ids(),
    peer: (id) => {
      const token = clients.tokenOf(id);
      return token === undefined ? undefined : { id, token, swarm: registry.swarmOf(id), member: registry.memberOf(id) };
    },
    write: (peers) => state.refresh(peers),
    up: () => link.up,
    failed: (error) => failed('refresh', error),
    now: () => performance.now(),
  });
  const timer = setInterval(() => refresher.tick(), refresher.tickMs);
  timer.unref();

  const up = await link.ready(STARTUP_WAIT_MS);
  log({ level: up ? 'info' : 'warn', msg: up ? 'cluster-joined' : 'redis-unreachable', nodeId, presenceTtlMs, ...(!up && { degraded: 'local peers and swarms only' }) });

  return {
    nodeId,
    get up() {
      return link.up;
    },
    async claim(peerId, token) {
      if (!link.up) return true;
      try {
        return await state.claim(peerId, token);
      } catch (error) {
        failed('claim', error);
        return true;
      }
    },
    async owns(peerId, token) {
      if (!link.up) return false;
      try {
        return await state.owns(peerId, token);
      } catch (error) {
        failed('owns', error);
        return false;
      }
    },
    released(peerId) {
      if (link.up) state.release(peerId).catch((error: unknown) => failed('release', error));
    },
    async join(swarm, peer, connectedHere) {
      if (!link.up) return undefined;
      try {
        return await state.join(swarm, peer, connectedHere);
      } catch (error) {
        failed('join', error);
        return undefined;
      }
    },
    route: (srcId, text, handBack) => !link.up || relay.route(srcId, text, handBack),
    async close() {
      clearInterval(timer);
      await link.close();
    },
  };
}
