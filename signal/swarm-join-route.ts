/**
 * POST /swarm/v1/join: a page that is connected to this node's PeerServer asks to join the swarm
 * of its site (Origin) and manifest version and learns a few other members.
 *
 * The node checks what it can (security invariant 8): the Origin is allowed and the address has
 * tokens left (http-guard.ts); the body is small, well-formed JSON; the peer id is connected here
 * right now with exactly the token in the body. The swarm comes from the Origin header the
 * browser sets, not from the body, so one site cannot join another's swarm from a browser even
 * when both use the same key.
 */
import cors from 'cors';
import express, { type Request, type Response, type Router } from 'express';
import { DeployNetError } from '../core/errors.js';
import { SWARM_JOIN_PATH, parseSwarmJoinRequest, type SwarmJoinResponse } from '../core/swarm.js';
import { sendError, toClientError } from './error-response.js';
import { type HttpGuardDeps, loadGuard, originGuard } from './http-guard.js';
import { parseRequestOrigin } from './origin-policy.js';
import type { PeerClients } from './peer-clients.js';
import { type SwarmRegistry, swarmKey } from './swarm-registry.js';

/** Largest join body accepted, in bytes. */
export const MAX_JOIN_BODY_BYTES = 4096;

export interface SwarmJoinDeps extends HttpGuardDeps {
  readonly registry: SwarmRegistry;
  readonly clients: PeerClients;
}

export function swarmJoinRouter(deps: SwarmJoinDeps): Router {
  const { config, registry, clients, metrics } = deps;
  const router = express.Router();
  const corsMiddleware = cors({ origin: true, methods: ['POST'], allowedHeaders: ['Content-Type'], maxAge: 600 });
  const json = express.json({ limit: MAX_JOIN_BODY_BYTES, strict: true });

  const join = (req: Request, res: Response): void => {
    try {
      if (!req.is('application/json')) {
        throw new DeployNetError('SIGNAL_BAD_REQUEST', 'Content-Type must be application/json');
      }
      const body = parseSwarmJoinRequest(req.body);
      const origin = parseRequestOrigin(req.headers.origin) ?? '';
      if (!clients.owns(body.peerId, body.token)) {
        throw new DeployNetError('SIGNAL_UNAUTHORIZED', 'peerId is not connected to this node with that token');
      }
      const key = swarmKey(origin, body.keyId, body.version);
      registry.join(key, body.peerId);
      const peers = registry.pick(key, body.peerId, Math.min(body.max, config.maxSwarmAnswer));
      metrics.countJoin();
      config.log({ level: 'info', msg: 'swarm-join', peerId: body.peerId, origin, keyId: body.keyId, version: body.version, answered: peers.length });
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
  router.post(SWARM_JOIN_PATH, guard, corsMiddleware, loadGuard(deps), json, join);
  return router;
}
