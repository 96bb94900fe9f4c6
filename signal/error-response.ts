/**
 * How the signal node answers a refused HTTP request: the status from rejections.ts, body
 * `{ error: { code, message } }`, Retry-After where waiting helps, the refusal counted by code.
 * Also turns body-parser failures (bad JSON, too large) into SIGNAL_BAD_REQUEST so no framework
 * error page or stack trace ever reaches a client.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { DeployNetError, type ErrorCode } from '../core/errors.js';
import { isRecord } from '../core/validate.js';
import type { SignalMetrics } from './metrics.js';
import { rejectionOf } from './rejections.js';
import type { SignalLog } from './signal-log.js';

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** Seconds a client should wait before trying again, for the statuses where waiting helps. */
const RETRY_AFTER: Readonly<Record<number, string>> = { 429: '1', 503: '5' };

/** Messages for body-parser's error `type`s; the client sent something we will not read. */
const BODY_ERRORS: Readonly<Record<string, string>> = {
  'entity.too.large': 'request body is too large',
  'entity.parse.failed': 'request body is not valid JSON',
  'entity.verify.failed': 'request body was refused',
  'encoding.unsupported': 'request body encoding is not supported',
  'charset.unsupported': 'request body charset is not supported',
  'request.aborted': 'request was aborted',
  'request.size.invalid': 'request body size does not match Content-Length',
  'stream.encoding.set': 'request body could not be read',
};

/** Maps anything thrown while handling a request to a DeployNetError a client may see. */
export function toClientError(err: unknown): DeployNetError {
  if (err instanceof DeployNetError) return err;
  if (isRecord(err) && typeof err.type === 'string') {
    const message = BODY_ERRORS[err.type];
    if (message !== undefined) return new DeployNetError('SIGNAL_BAD_REQUEST', message, { reason: err.type });
  }
  return new DeployNetError('INTERNAL', 'internal error');
}

export function sendError(res: Response, err: DeployNetError, metrics: SignalMetrics): void {
  metrics.countRejection(err.code);
  const { status } = rejectionOf(err.code);
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  const retryAfter = RETRY_AFTER[status];
  if (retryAfter !== undefined) res.set('Retry-After', retryAfter);
  res.status(status).set('Cache-Control', 'no-store').json(body);
}

/** Last middleware of the app: answers every error as JSON and logs the unexpected ones. */
export function errorHandler(metrics: SignalMetrics, log: SignalLog): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const clientError = toClientError(err);
    if (clientError.code === 'INTERNAL') {
      log({ level: 'error', msg: 'request-failed', method: req.method, path: req.path, error: String(err) });
    }
    sendError(res, clientError, metrics);
  };
}
