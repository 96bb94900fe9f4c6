/**
 * How every refusal of the signal node reaches a client, in one table.
 *
 * HTTP (POST /swarm/v1/join, PeerServer's /peerjs/… routes): the status below and the body
 * `{ "error": { "code": CODE, "message": … } }` (error-response.ts); 429 also has Retry-After.
 *
 * WebSocket (/peerjs/peerjs): the upgrade completes, then the node sends one PeerJS message, type
 * `ERROR` (`ID-TAKEN` for SIGNAL_ID_TAKEN, which stock PeerJS reports as 'unavailable-id'), whose
 * `payload.msg` is `CODE: sentence` (stock PeerJS surfaces it as a 'server-error' with that
 * message), and closes the socket with the close code below and CODE as the close reason.
 * Refusing after the handshake is deliberate: a browser never sees the status of a refused
 * upgrade, only a bare 1006 close. Two exceptions: SIGNAL_MESSAGE_TOO_LARGE is a plain close
 * with 1009 (ws cuts the socket before reading the message), and a wrong path stays an HTTP 400.
 *
 * Close codes: 4000 + the HTTP status for refusals, 1009 Message Too Big, 1013 Try Again Later
 * (node full), 1012 Service Restart (shutting down: reconnect, with backoff).
 */
import type { ErrorCode } from '../core/errors.js';

export interface Rejection {
  readonly status: number;
  readonly close: number;
}

export const REJECTIONS = {
  SIGNAL_BAD_REQUEST: { status: 400, close: 4400 },
  SIGNAL_UNAUTHORIZED: { status: 401, close: 4401 },
  SIGNAL_SITE_TOKEN_INVALID: { status: 401, close: 4401 },
  SIGNAL_ORIGIN_REFUSED: { status: 403, close: 4403 },
  SIGNAL_ID_TAKEN: { status: 409, close: 4409 },
  SIGNAL_MESSAGE_TOO_LARGE: { status: 413, close: 1009 },
  SIGNAL_TOO_MANY_CONNECTIONS: { status: 429, close: 4429 },
  SIGNAL_RATE_LIMITED: { status: 429, close: 4429 },
  SIGNAL_NODE_FULL: { status: 503, close: 1013 },
  SIGNAL_SHUTTING_DOWN: { status: 503, close: 1012 },
} as const satisfies Partial<Record<ErrorCode, Rejection>>;

export type SignalRejectionCode = keyof typeof REJECTIONS;

/** Every code the node refuses with, sorted (metrics start each at 0). */
export const SIGNAL_REJECTION_CODES: readonly SignalRejectionCode[] = Object.keys(REJECTIONS).filter((c): c is SignalRejectionCode => c in REJECTIONS).sort();

const INTERNAL: Rejection = { status: 500, close: 1011 };

export function rejectionOf(code: ErrorCode): Rejection {
  const found: Partial<Record<ErrorCode, Rejection>> = REJECTIONS;
  return found[code] ?? INTERNAL;
}
