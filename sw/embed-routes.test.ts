import { describe, expect, it } from 'vitest';
import type { RouteFacts } from './deploynet-worker.js';
import { routesOf, type RouteOptions } from './embed-routes.js';

/** A worker that answers `/images/*` once ready, and passes everything by once switched off. */
function fakeWorker() {
  const log: string[] = [];
  let ready = false;
  let off = false;
  const listed = (f: RouteFacts) => f.url.pathname.startsWith('/images/');
  return {
    log,
    setReady: () => void (ready = true),
    switchOff: () => void (off = true),
    worker: {
      passThrough: () => off,
      wants: (f: RouteFacts) => !off && (!ready || listed(f)),
      ready: async () => {
        ready = true;
      },
      handle: async (f: RouteFacts) => (log.push(`deploynet ${f.url.pathname}`), new Response('deploynet')),
    },
  };
}

const get = (path: string): RouteOptions => ({ request: new Request(`https://site.example${path}`) });
const network = async ({ request }: RouteOptions) => new Response(`network ${new URL(request.url).pathname}`);

describe('routes for a site\'s own worker', () => {
  it('answers listed files through DeployNet and the rest from the network', async () => {
    const f = fakeWorker();
    const routes = routesOf(f.worker, network);
    expect(await (await routes.handler.handle(get('/images/a.png'))).text()).toBe('deploynet');
    expect(await (await routes.handler.handle(get('/data/x.json'))).text()).toBe('network /data/x.json');
    expect(f.log).toEqual(['deploynet /images/a.png']);
  });

  it('hands what DeployNet does not answer to a fallback, a function or a strategy object', async () => {
    const f = fakeWorker();
    const routes = routesOf(f.worker, network);
    const fn = routes.handlerWith(async () => new Response('fallback fn'));
    const strategy = routes.handlerWith({ handle: async () => new Response('fallback strategy') });
    expect(await (await fn.handle(get('/data/x.json'))).text()).toBe('fallback fn');
    expect(await (await strategy.handle(get('/about.html'))).text()).toBe('fallback strategy');
    expect(await (await strategy.handle(get('/images/a.png'))).text()).toBe('deploynet');
  });

  it('decides after the stored manifest is loaded: before, matches says yes, and the handler still sends unlisted requests on', async () => {
    const f = fakeWorker();
    const routes = routesOf(f.worker, network);
    expect(routes.matches(get('/data/x.json'))).toBe(true); // not loaded yet
    expect(await (await routes.handler.handle(get('/data/x.json'))).text()).toBe('network /data/x.json');
    expect(routes.matches(get('/data/x.json'))).toBe(false);
    expect(routes.matches(get('/images/a.png'))).toBe(true);
    expect(f.log).toEqual([]);
  });

  it('once the kill switch has turned, nothing goes through DeployNet', async () => {
    const f = fakeWorker();
    f.setReady();
    const routes = routesOf(f.worker, network);
    f.switchOff();
    expect(routes.matches(get('/images/a.png'))).toBe(false);
    expect(await (await routes.handler.handle(get('/images/a.png'))).text()).toBe('network /images/a.png');
    expect(f.log).toEqual([]);
  });

  it('takes the URL from the request when the caller gives none', async () => {
    const f = fakeWorker();
    f.setReady();
    const routes = routesOf(f.worker, network);
    expect(routes.matches({ request: new Request('https://site.example/images/b.png') })).toBe(true);
    expect(routes.matches({ request: new Request('https://site.example/b.png'), url: new URL('https://site.example/images/b.png') })).toBe(true);
  });
});
