/**
 * The node's two connections to Redis (ioredis): one for commands and publishing, one in
 * subscriber mode (Redis allows nothing else on a subscribed connection). Both reconnect by
 * themselves with backoff (100 ms doubling to 2 s) and the subscriber subscribes again.
 *
 * Failing fast is the point: with Redis down, a command is refused at once (no offline queue),
 * and one that gets no reply within COMMAND_TIMEOUT_MS fails, so callers fall back to what the
 * node knows alone (cluster-state.ts says how). The link logs each change between up and down
 * once (`redis-up`, `redis-down`), never the URL (it may carry a password), only host and port.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { defineClusterScripts } from './cluster-scripts.js';
import type { SignalMetrics } from './metrics.js';
import type { SignalLog } from './signal-log.js';

/** A command without a reply after this long fails (Redis overloaded or cut off). */
export const COMMAND_TIMEOUT_MS = 1000;

export interface RedisLinkDeps {
  readonly url: string;
  readonly log: SignalLog;
  readonly metrics: SignalMetrics;
  /** Called with each message on a subscribed channel. */
  readonly onMessage: (channel: string, message: string) => void;
}

function endpoint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}`;
}

export class RedisLink {
  readonly commands: Redis;
  readonly #subscriber: Redis;
  readonly #endpoint: string;
  #up = false;
  #closing = false;
  #lastError = '';

  constructor(private readonly deps: RedisLinkDeps) {
    this.#endpoint = endpoint(deps.url);
    const options: RedisOptions = {
      connectTimeout: 2000,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    };
    this.commands = new Redis(deps.url, { ...options, enableOfflineQueue: false });
    defineClusterScripts(this.commands);
    // The subscriber's SUBSCRIBE may wait for the connection; it sends nothing else.
    this.#subscriber = new Redis(deps.url, { ...options, commandTimeout: undefined, maxRetriesPerRequest: null });
    this.#subscriber.on('message', (channel: string, message: string) => deps.onMessage(channel, message));
    for (const client of [this.commands, this.#subscriber]) {
      client.on('error', (error: Error) => {
        this.#lastError = error.message;
      });
      for (const event of ['ready', 'close', 'end']) client.on(event, () => this.#update());
    }
  }

  /** Whether both connections are ready now. */
  get up(): boolean {
    return this.#up;
  }

  /** Subscribes to `channel` (again after every reconnect: ioredis's autoResubscribe). */
  subscribe(channel: string): void {
    this.#subscriber.subscribe(channel).catch((error: unknown) => this.failed('subscribe', error));
  }

  /** Resolves once both connections are ready, or after `ms` (the node starts degraded). */
  ready(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const clients = [this.commands, this.#subscriber];
      const finish = (): void => {
        clearTimeout(timer);
        for (const c of clients) c.off('ready', check);
        resolve(this.#up);
      };
      // Runs after #update (registered first), so #up is current.
      const check = (): void => {
        if (this.#up) finish();
      };
      const timer = setTimeout(finish, ms);
      for (const c of clients) c.on('ready', check);
      check();
    });
  }

  /** Counts and logs (at debug: the up/down lines say the rest) a command that failed. */
  failed(operation: string, error: unknown): void {
    this.deps.metrics.countRedisError();
    this.deps.log({ level: 'debug', msg: 'redis-command-failed', operation, error: error instanceof Error ? error.message : String(error) });
  }

  /** Sends what is pending, then closes both connections (cut after 1 s, at once when down). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      [this.commands, this.#subscriber].map(async (client) => {
        if (client.status === 'ready') {
          let timer: NodeJS.Timeout | undefined;
          const cut = new Promise<void>((resolve) => (timer = setTimeout(resolve, COMMAND_TIMEOUT_MS)));
          await Promise.race([client.quit().catch(() => {}), cut]);
          clearTimeout(timer);
        }
        client.disconnect(); // stops reconnecting, whatever the state
      }),
    );
  }

  #update(): void {
    const up = this.commands.status === 'ready' && this.#subscriber.status === 'ready';
    if (up === this.#up || this.#closing) return;
    this.#up = up;
    if (up) this.deps.log({ level: 'info', msg: 'redis-up', redis: this.#endpoint });
    else this.deps.log({ level: 'warn', msg: 'redis-down', redis: this.#endpoint, error: this.#lastError, degraded: 'local peers and swarms only' });
  }
}
