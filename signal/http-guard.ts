/**
 * Express middleware in front of every HTTP route but /health and /metrics (PeerServer's
 * /peerjs/… routes and POST /swarm/v1/join), the HTTP half of security invariant 8:
 *
 *   originGuard  a malformed Origin → 400 SIGNAL_BAD_REQUEST; one the node does not allow →
 *                403 SIGNAL_ORIGIN_REFUSED, without CORS headers
 *   (the route's CORS middleware: answers preflights, which so cost no token)
 *   loadGuard    a node shutting down → 503 SIGNAL_SHUTTING_DOWN; an address out of tokens →
 *                429 SIGNAL_RATE_LIMITED (address-limits.ts); both with Retry-After
 */
import type { Request, RequestHandler } from 'express';
import { DeployNetError } from '../core/errors.js';
import type { AddressLimits } from './address-limits.js';
import { addressKey, clientAddress } from './client-address.js';
import { sendError, toClientError } from './error-response.js';
import type { SignalMetrics } from './metrics.js';
import { originAllowed, parseRequestOrigin } from './origin-policy.js';
import type { SignalConfig } from './signal-config.js';

export interface HttpGuardDeps {
  readonly config: SignalConfig;
  readonly limits: AddressLimits;
  readonly metrics: SignalMetrics;
  readonly draining: () => boolean;
}

/** The key the caller's limits are counted under (client-address.ts). */
export function requestAddress(req: Request, trustProxy: number): string {
  return addressKey(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy));
}

export function originGuard(deps: HttpGuardDeps): RequestHandler {
  const { config, metrics } = deps;
  return (req, res, next) => {
    let refusal: DeployNetError | undefined;
    try {
      if (!originAllowed(config.allowedOrigins, parseRequestOrigin(req.headers.origin))) {
        refusal = new DeployNetError('SIGNAL_ORIGIN_REFUSED', 'this origin may not use this signal node');
      }
    } catch (err) {
      refusal = toClientError(err);
    }
    if (refusal === undefined) {
      next();
      return;
    }
    config.log({ level: 'info', msg: 'request-refused', code: refusal.code, method: req.method, path: req.path, address: requestAddress(req, config.trustProxy) });
    sendError(res, refusal, metrics);
  };
}

export function loadGuard(deps: HttpGuardDeps): RequestHandler {
  const { config, limits, metrics, draining } = deps;
  return (req, res, next) => {
    const address = requestAddress(req, config.trustProxy);
    let refusal: DeployNetError | undefined;
    if (draining()) refusal = new DeployNetError('SIGNAL_SHUTTING_DOWN', 'the signal node is shutting down; try again in a moment');
    else if (!limits.take(address)) refusal = new DeployNetError('SIGNAL_RATE_LIMITED', 'too many requests from your address; slow down');
    if (refusal === undefined) {
      next();
      return;
    }
    config.log({ level: refusal.code === 'SIGNAL_RATE_LIMITED' ? 'debug' : 'info', msg: 'request-refused', code: refusal.code, method: req.method, path: req.path, address });
    sendError(res, refusal, metrics);
  };
}
