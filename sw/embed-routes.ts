/**
 * What a site's own service worker registers on its routes (sw/embed.ts): a workbox-routing match
 * callback and handler over the shared DeployNet worker (deploynet-worker.ts). No globals: the
 * worker and the network are passed in, so the routing rules run under vitest with fakes.
 *
 * Why unlisted requests go to the network (or a `fallback`) rather than to the site's next route:
 * once a workbox-routing route matches, its handler must answer; Workbox does not try the next
 * route. So a site that wants its other routes to see what DeployNet does not answer puts
 * `matches` in its route's match callback, or hands its other strategy in as the fallback.
 */
import type { DeployNetWorker, RouteFacts } from './deploynet-worker.js';

/** What workbox-routing passes to a match callback or a handler (a subset, so a hand-written router can call them too). */
export interface RouteOptions {
  readonly request: Request;
  readonly url?: URL;
  readonly event?: ExtendableEvent;
}

/** A workbox-core RouteHandlerCallback (a function), or a RouteHandlerObject such as a workbox-strategies strategy. */
export type RouteHandler = ((options: RouteOptions) => Promise<Response>) | { handle(options: RouteOptions): Promise<Response> };

/** A workbox-core RouteHandlerObject. */
export interface RouteHandlerObject {
  handle(options: RouteOptions): Promise<Response>;
}

export interface DeployNetRoutes {
  /**
   * A workbox-routing match callback: true for a request DeployNet answers (a manifest-listed,
   * same-origin GET without an Authorization header, DeployNet not switched off). Until the stored
   * manifest has been read after the worker starts (a few milliseconds) it says yes and the
   * handler decides.
   */
  matches(options: RouteOptions): boolean;
  /**
   * A workbox-routing handler: a listed file comes from DeployNet's cache, then peers, then the
   * origin, verified (`x-deploynet-source` says which); anything else from the network, untouched,
   * as Workbox's NetworkOnly would.
   */
  readonly handler: RouteHandlerObject;
  /** The same handler, but requests DeployNet does not answer go to `fallback` (e.g. a workbox-strategies strategy). */
  handlerWith(fallback: RouteHandler): RouteHandlerObject;
}

export function callHandler(handler: RouteHandler, options: RouteOptions): Promise<Response> {
  return typeof handler === 'function' ? handler(options) : handler.handle(options);
}

export function facts(options: RouteOptions): RouteFacts {
  return { request: options.request, url: options.url ?? new URL(options.request.url), event: options.event };
}

/** The routes over a running worker; `network` answers what DeployNet does not (self.fetch in the worker). */
export function routesOf(worker: Pick<DeployNetWorker, 'passThrough' | 'wants' | 'ready' | 'handle'>, network: RouteHandler): DeployNetRoutes {
  const handlerWith = (fallback: RouteHandler): RouteHandlerObject => ({
    async handle(options) {
      const request = facts(options);
      if (worker.passThrough(request)) return callHandler(fallback, options);
      // wants() is final only once the stored manifest is loaded; before that it says yes to all.
      await worker.ready();
      return worker.wants(request) ? worker.handle(request) : callHandler(fallback, options);
    },
  });
  return { matches: (options) => worker.wants(facts(options)), handler: handlerWith(network), handlerWith };
}
