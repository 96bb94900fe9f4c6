/**
 * POST /swarm/v1/join: a page that is connected to this node's PeerServer asks to join the swarm
 * of its site (Origin) and manifest version and learns a few other members.
 *
 * The node checks what it can (security invariant 8): the Origin is allowed and the address has
 * tokens left (http-guard.ts); the body is small, well-formed JSON; the peer id is connected
 * right now with exactly the token in the body. The swarm comes from the Origin header the
 * browser sets, not from the body, so one site cannot join another's swarm from a browser even
 * when both use the same key.
 *
 * The answer names at most `max` other members, best first (swarm-selection.ts): same region as
 * the joiner's hint, then members holding content, spread over the swarm by rendezvous hashing.
 *
 * With several nodes (--redis) any node answers for a peer connected to any of them (its token
 * checked against the shared presence, atomically with the join), ranking live members drawn
 * from every node; with Redis down, only for peers connected here, from this node's members
 * (signal-cluster.ts). The local registry holds this node's own peers only: the degraded answer,
 * and /health's counts.
 */
import cors from 'cors';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { DeployNetError } from '../core/errors.js';
import { SWARM_JOIN_PATH, parseSwarmJoinRequest, type SwarmJoinResponse } from '../core/swarm.js';
import { sendError, toClientError } from './error-response.js';
import { type HttpGuardDeps, loadGuard, originGuard } from './http-guard.js';
import { parseRequestOrigin } from './origin-policy.js';
import type { PeerClients } from './peer-clients.js';
import type { SignalCluster } from './signal-cluster.js';
import { type SwarmRegistry, swarmKey } from './swarm-registry.js';
import { memberOf, selectSwarmPeers } from './swarm-selection.js';

/** Largest join body accepted, in bytes. */
export const MAX_JOIN_BODY_BYTES = 4096;

export interface SwarmJoinDeps extends HttpGuardDeps {
  readonly registry: SwarmRegistry;
  readonly clients: PeerClients;
  readonly cluster?: SignalCluster | undefined;
}

export function swarmJoinRouter(deps: SwarmJoinDeps): Router {
  const { config, registry, clients, metrics, cluster } = deps;
  const router = express.Router();
  const corsMiddleware = cors({ origin: true, methods: ['POST'], allowedHeaders: ['Content-Type'], maxAge: 600 });
  const json = express.json({ limit: MAX_JOIN_BODY_BYTES, strict: true });

  const join = async (req: Request, res: Response): Promise<void> => {
    try {
      if (!req.is('application/json')) {
        throw new DeployNetError('SIGNAL_BAD_REQUEST', 'Content-Type must be application/json');
      }
      const body = parseSwarmJoinRequest(req.body);
      const origin = parseRequestOrigin(req.headers.origin) ?? '';
      const unauthorized = () => new DeployNetError('SIGNAL_UNAUTHORIZED', 'peerId is not connected with that token');
      // The peer proves its id with its PeerJS token: connected here, or (--redis) on any node.
      const local = clients.owns(body.peerId, body.token);
      if (!local && cluster === undefined) throw unauthorized();
      const key = swarmKey(origin, body.keyId, body.version);
      const max = Math.min(body.max, config.maxSwarmAnswer);
      const joiner = memberOf(body.peerId, body.holds, body.region);
      const shared = await cluster?.join(key, { ...joiner, token: body.token }, local);
      if (shared === 'gone' || (shared === undefined && !local)) throw unauthorized();
      // Still connected after the await (a departure meanwhile must not come back as a member).
      // The registry keeps PeerServer's own id string, not the body's copy (memory per peer).
      if (local && clients.owns(body.peerId, body.token)) registry.join(key, { ...joiner, id: clients.heldId(body.peerId) ?? joiner.id });
      const peers = shared === undefined ? registry.choose(key, joiner, max) : selectSwarmPeers(joiner, shared, max);
      metrics.countJoin();
      const scope = cluster === undefined ? {} : { scope: shared === undefined ? 'node' : 'cluster' };
      config.log({ level: 'info', msg: 'swarm-join', peerId: body.peerId, origin, keyId: body.keyId, version: body.version, holds: joiner.holds, region: joiner.region, answered: peers.length, ...scope });
      const answer: SwarmJoinResponse = { v: 1, peers };
      res.status(200).set('Cache-Control', 'no-store').json(answer);
    } catch (err) {
      const clientError = toClientError(err);
      if (clientError.code === 'INTERNAL') throw err; // to the app's error handler, which logs it
      config.log({ level: 'info', msg: 'swarm-join-refused', code: clientError.code, reason: clientError.message });
      sendError(res, clientError, metrics);
    }
  };

  const guard = originGuard(deps);
  router.options(SWARM_JOIN_PATH, guard, corsMiddleware);
  // express 4 does not await handlers: errors the handler rethrows go to the error handler here.
  const joinRoute = (req: Request, res: Response, next: NextFunction): void => void join(req, res).catch(next);
  router.post(SWARM_JOIN_PATH, guard, corsMiddleware, loadGuard(deps), json, joinRoute);
  return router;
}
