/**
 * The one error class of DeployNet. Every failure that crosses a boundary carries a `code` from
 * this union; tests assert codes, people read `message`.
 */
export type ErrorCode =
  // command line and configuration
  | 'BAD_ARGUMENT'
  | 'BAD_CONFIG'
  // files and keys at build time
  | 'SITE_DIR_MISSING'
  | 'FILE_UNREADABLE'
  | 'FILE_CHANGED'
  | 'PATH_ESCAPES_SITE'
  | 'KEY_UNREADABLE'
  | 'KEY_INVALID'
  | 'KEY_EXISTS'
  /** a PEM private key inside SITE_DIR: the origin would serve it */
  | 'KEY_IN_SITE'
  /** a file name that cannot be a manifest URL path (`?`, `#`, `\\`, control characters) */
  | 'PATH_UNSAFE'
  | 'FILE_UNWRITABLE'
  // manifests
  | 'MANIFEST_MALFORMED'
  | 'MANIFEST_SIGNATURE_INVALID'
  | 'MANIFEST_UNKNOWN_KEY'
  | 'MANIFEST_EXPIRED'
  | 'MANIFEST_ROLLBACK'
  | 'MANIFEST_UNAVAILABLE'
  // content
  | 'HASH_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'NOT_IN_MANIFEST'
  // peers and transport
  | 'PEER_TIMEOUT'
  | 'PEER_REJECTED'
  | 'PEER_UNAVAILABLE'
  | 'PEER_BANNED'
  | 'FRAME_MALFORMED'
  | 'NO_BRIDGE'
  /** A transfer stopped because its result is no longer needed. */
  | 'CANCELLED'
  // signaling
  | 'SIGNAL_UNAVAILABLE'
  | 'SIGNAL_BAD_REQUEST'
  | 'SIGNAL_UNAUTHORIZED'
  // signal node refusals (security invariant 8); how each reaches a client (HTTP status,
  // WebSocket close code) is one table in signal/rejections.ts
  /** the request's Origin is not one of the node's allowed origins (or is missing while a list is set) */
  | 'SIGNAL_ORIGIN_REFUSED'
  /** the PeerJS key is not one of the node's site tokens (missing or wrong) */
  | 'SIGNAL_SITE_TOKEN_INVALID'
  /** a live connection holds this peer id with another token */
  | 'SIGNAL_ID_TAKEN'
  /** this address already has as many open connections as the node allows */
  | 'SIGNAL_TOO_MANY_CONNECTIONS'
  /** this address sends faster than the node's message rate */
  | 'SIGNAL_RATE_LIMITED'
  /** a WebSocket message above the node's size cap */
  | 'SIGNAL_MESSAGE_TOO_LARGE'
  /** the node already has as many peers as it allows */
  | 'SIGNAL_NODE_FULL'
  /** the node is shutting down: reconnect later */
  | 'SIGNAL_SHUTTING_DOWN'
  // anything unexpected: a bug, reported as exit code 2 by the CLI
  | 'INTERNAL';

export class DeployNetError extends Error {
  override readonly name = 'DeployNetError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export function isDeployNetError(value: unknown, code?: ErrorCode): value is DeployNetError {
  return value instanceof DeployNetError && (code === undefined || value.code === code);
}

/** Text for any thrown value, for logs and user-facing messages. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
