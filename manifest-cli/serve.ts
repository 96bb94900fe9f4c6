/**
 * `deploynet serve`: a plain origin for development and benchmarks. express.static does the file
 * serving (and keeps every request inside siteDir); this adds the headers a DeployNet site needs
 * and an optional simulated WAN (latency before each response, a shared bandwidth cap), text
 * compression as real hosts do it (compress.ts), and for tests and benchmarks hooks that hear
 * every request and every answer's bytes on the wire.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import express from 'express';
import { DeployNetError } from '../core/errors.js';
import { SW_PATH } from '../core/manifest.js';
import { compressText } from './compress.js';
import { errnoCode, reasonOf } from './fs-errors.js';
import { TokenBucket, throttleResponse } from './throttle.js';
import { resolveSiteDir } from './walk-site.js';

export interface ServeSiteOptions {
  readonly siteDir: string;
  /** Default 8080; 0 picks a free port (see the returned port). */
  readonly port?: number;
  readonly host?: string;
  /** Delay before each response, milliseconds. */
  readonly latencyMs?: number;
  /** Bandwidth of the simulated uplink, shared by all responses; 0 = unlimited. */
  readonly rateBytesPerSec?: number;
  /** Hears every request as it arrives, before latency and throttling (e.g. a test's request log). */
  readonly onRequest?: (request: ServedRequest) => void;
  /** Hears every answer once it is finished or cut off, with the bytes it put on the wire. */
  readonly onResponse?: (response: ServedResponse) => void;
  /** brotli/gzip for text-like answers when the client accepts it (compress.ts); default true. */
  readonly compress?: boolean;
}

/** What `onRequest` hears of a request. */
export interface ServedRequest {
  readonly method: string;
  /** The path as requested, without the query. */
  readonly path: string;
  /** The Range header, or null. */
  readonly range: string | null;
}

/** What `onResponse` hears of an answer. */
export interface ServedResponse extends ServedRequest {
  readonly status: number;
  /** Content-Encoding of the answer, or null. */
  readonly encoding: string | null;
  /** Bytes written to the socket for this answer: status line, headers and body as encoded. */
  readonly bytes: number;
  /** False when the client went away before the answer was complete. */
  readonly complete: boolean;
}

export interface ServedSite {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** Bytes this origin has written to its sockets so far (headers and partial answers included). */
  bytesSent(): number;
  close(): Promise<void>;
}

function nonNegativeInt(value: number, field: string, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new DeployNetError('BAD_ARGUMENT', `${field} must be a whole number from 0 to ${max}, not ${value}`, { field });
  }
  return value;
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err) => {
      const why = errnoCode(err) === 'EADDRINUSE' ? 'it is already in use' : reasonOf(err);
      reject(new DeployNetError('BAD_ARGUMENT', `cannot listen on ${host}:${port}: ${why}`, { port, host }));
    });
  });
}

/**
 * A browser never pipelines HTTP/1.1 requests, so one connection carries one answer at a time and
 * the socket's byte count across the answer is exactly that answer's bytes.
 */
function reportResponse(req: express.Request, res: express.Response, onResponse: (response: ServedResponse) => void): void {
  const socket = req.socket;
  const start = socket.bytesWritten;
  res.once('close', () => {
    const encoding = res.getHeader('Content-Encoding');
    onResponse({
      method: req.method,
      path: req.path,
      range: req.headers.range ?? null,
      status: res.statusCode,
      encoding: typeof encoding === 'string' ? encoding : null,
      bytes: socket.bytesWritten - start,
      complete: res.writableFinished,
    });
  });
}

export async function serveSite(options: ServeSiteOptions): Promise<ServedSite> {
  const root = await resolveSiteDir(options.siteDir);
  const host = options.host ?? '127.0.0.1';
  const port = nonNegativeInt(options.port ?? 8080, 'port', 65535);
  const latencyMs = nonNegativeInt(options.latencyMs ?? 0, 'latency', 600_000);
  const rate = nonNegativeInt(options.rateBytesPerSec ?? 0, 'rate', Number.MAX_SAFE_INTEGER);
  const bucket = rate > 0 ? new TokenBucket(rate) : undefined;

  const app = express();
  app.disable('x-powered-by');
  const onRequest = options.onRequest;
  if (onRequest) app.use((req, _res, next) => (onRequest({ method: req.method, path: req.path, range: req.headers.range ?? null }), next()));
  const onResponse = options.onResponse;
  if (onResponse) app.use((req, res, next) => (reportResponse(req, res, onResponse), next()));
  if (latencyMs > 0) app.use((_req, _res, next) => void setTimeout(next, latencyMs));
  if (bucket) app.use((_req, res, next) => (throttleResponse(res, bucket), next()));
  // After the throttle, so the simulated link carries (and the counters count) the encoded bytes.
  if (options.compress ?? true) app.use(compressText());
  app.use(
    express.static(root, {
      cacheControl: false,
      dotfiles: 'ignore',
      setHeaders(res, filePath) {
        // Dev origin: always revalidate, so a rebuild shows up on the next load.
        res.setHeader('Cache-Control', 'no-cache');
        if (filePath === `${root}${SW_PATH}`) res.setHeader('Service-Worker-Allowed', '/');
      },
    }),
  );
  const server = await listen(app, port, host);
  // Bytes on the wire (headers included, partial answers too), for benchmarks and tests.
  let closedBytes = 0;
  const open = new Set<Socket>();
  server.on('connection', (socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      closedBytes += socket.bytesWritten;
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    bytesSent: () => closedBytes + [...open].reduce((sum, socket) => sum + socket.bytesWritten, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
