/**
 * Issue 2, item 8: real Chromium visitors (separate browser contexts = separate Cache Storage,
 * service workers and peers), a real PeerServer-based signal node and a real origin, all inside
 * the loopback-only namespace. Assertions are on bytes and on where the SW got them.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAGE_SCRIPT_PATH } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor, type Visitor } from './chromium.js';
import { deliveredBy, fetchInPage, filled, newWorkerInControl, rendered, resourceSources, stats, visit, type ResourceSource } from './page-probe.js';
import { PATIENT_PEERS, startStack, type Stack } from './stack.js';

/** Flips the last byte of every DATA frame (wire type 2) this page sends: a lying peer. */
function corruptOutgoingData(): void {
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
    const bytes = data as unknown;
    if (bytes instanceof Uint8Array && bytes.length > 10 && bytes[0] === 1 && bytes[1] === 2) {
      const copy = bytes.slice();
      copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
      return send.call(this, copy);
    }
    return send.call(this, data);
  } as typeof send;
}

/** Manifest-listed subresources of the page (not the document itself, not the bootstrap script). */
function listedSubresources(stack: Stack, sources: readonly ResourceSource[], page: string): ResourceSource[] {
  return sources.filter((s) => s.path !== page && s.path !== PAGE_SCRIPT_PATH && s.path in stack.manifest.files);
}

function expectDeliveredBy(assets: readonly ResourceSource[], source: string | null, why: ReadonlyMap<string, string> = new Map()): void {
  for (const asset of assets) {
    expect({ path: asset.path, source: deliveredBy(asset) }, `peer failure: ${why.get(asset.path) ?? 'none'}`).toEqual({ path: asset.path, source });
  }
}

/** Why peers did not answer, per path, from the SW's x-deploynet-peer-failure header. */
function recordPeerFailures(visitor: Visitor): Map<string, string> {
  const why = new Map<string, string>();
  visitor.page.on('response', (response) => {
    const failure = response.headers()['x-deploynet-peer-failure'];
    if (failure) why.set(new URL(response.url()).pathname, failure);
  });
  return why;
}

async function expectOriginBytes(stack: Stack, visitor: Visitor, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const got = await fetchInPage(visitor.page, path);
    expect(got.status, path).toBe(200);
    expect(got.sha256, `${path} is byte-identical to the origin`).toBe(await stack.originSha256(path));
  }
}

describe('P2P delivery between real browsers', () => {
  const session = useBrowser();
  const track = session.track;

  it('a: a first-time visitor gets the page assets from an earlier visitor, byte-identical to the origin', async () => {
    const stack = await track(startStack({ build: PATIENT_PEERS }));
    const a = await track(newVisitor(session.browser, stack.origin));
    await visit(a.page, `${stack.origin}/`);
    const aGallery = await visit(a.page, `${stack.origin}/gallery.html`);
    expect(aGallery.manifestVersion).toBe(stack.manifest.version);

    const b = await track(newVisitor(session.browser, stack.origin));
    const why = recordPeerFailures(b);
    const bStats = await visit(b.page, `${stack.origin}/gallery.html`);
    const assets = listedSubresources(stack, await resourceSources(b.page), '/gallery.html');

    const paths = assets.map((s) => s.path);
    expect(paths).toEqual(expect.arrayContaining(['/css/site.css', '/js/app.js', '/media/panorama.png', '/images/photo-100k.png']));
    expect(paths.some((p) => p.startsWith('/fonts/'))).toBe(true);
    expectDeliveredBy(assets, 'peer', why);
    expect(bStats.bytes.peer).toBeGreaterThan(5 * 1024 * 1024);
    expect(bStats.peerFaults).toBe(0);

    await expectOriginBytes(stack, b, paths);
    expect((await stats(a.page)).uploadedBytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(await rendered(b.page)).toEqual({ status: 'app.js loaded', fontLoaded: true });
  });

  it('e: a first visit stops its own uncontrolled downloads, so a slow origin sends it little of the page', async () => {
    // A WAN-like origin (2 MB/s shared, 40 ms per request): the uncontrolled first load of B is
    // stopped as soon as deploynet.js runs (first-visit.ts), and the reload gets the page from A.
    const stack = await track(startStack({ origin: { latencyMs: 40, rateBytesPerSec: 2_000_000 }, build: PATIENT_PEERS }));
    const a = await track(newVisitor(session.browser, stack.origin));
    await visit(a.page, `${stack.origin}/gallery.html`);
    await filled(a.page); // A's background fill-in is done: what the origin sends from now on is for B
    const before = stack.originBytesSent();
    const b = await track(newVisitor(session.browser, stack.origin));
    const bStats = await visit(b.page, `${stack.origin}/gallery.html`);
    const forB = stack.originBytesSent() - before;
    console.log(`origin bytes for B's first visit: ${forB} (B's page: ${bStats.bytes.peer} bytes from peers)`);
    expect(bStats.bytes.peer).toBeGreaterThan(5 * 1024 * 1024);
    // Measured here: 0.49-0.59 MB with the stop, 1.23 MB without it (HTML, deploynet.js and the SW twice
    // are about 0.45 MB of either).
    expect(forB).toBeLessThan(bStats.bytes.peer / 8);
  });

  it('b: bytes altered by a peer are refused; the visitor gets the right bytes from the origin and renders', async () => {
    const stack = await track(startStack());
    const liar = await track(newVisitor(session.browser, stack.origin));
    await liar.page.evaluateOnNewDocument(corruptOutgoingData);
    await visit(liar.page, `${stack.origin}/`);
    await visit(liar.page, `${stack.origin}/gallery.html`);

    const b = await track(newVisitor(session.browser, stack.origin));
    await visit(b.page, `${stack.origin}/gallery.html`);
    const assets = listedSubresources(stack, await resourceSources(b.page), '/gallery.html');
    expect(assets.length).toBeGreaterThanOrEqual(5);
    expectDeliveredBy(assets, 'origin');

    const bStats = await stats(b.page);
    expect(bStats.peerFaults).toBeGreaterThanOrEqual(1);
    expect(bStats.bannedPeers).toBe(1);
    expect(bStats.bytes.peer).toBe(0);
    await expectOriginBytes(stack, b, assets.map((s) => s.path));
    expect(await rendered(b.page)).toEqual({ status: 'app.js loaded', fontLoaded: true });
  });

  it('c: with the signaling node down, the page loads fully from the origin', async () => {
    const stack = await track(startStack());
    await stack.stopSignal();
    const v = await track(newVisitor(session.browser, stack.origin));
    const started = Date.now();
    const vStats = await visit(v.page, `${stack.origin}/gallery.html`);
    const elapsed = Date.now() - started;
    const assets = listedSubresources(stack, await resourceSources(v.page), '/gallery.html');
    expect(assets.length).toBeGreaterThanOrEqual(5);
    expectDeliveredBy(assets, 'origin');
    expect(vStats.state).toBe('no-peers');
    expect(vStats.peers).toBe(0);
    await expectOriginBytes(stack, v, assets.map((s) => s.path));
    expect(await rendered(v.page)).toEqual({ status: 'app.js loaded', fontLoaded: true });
    console.info(`signal down: first visit with reload settled in ${elapsed} ms`);

    // What DeployNet must not touch passes through to the network as it is (and a Range request,
    // which it answers).
    const passthrough = await v.page.evaluate(async () => {
      const source = async (input: string, init?: RequestInit) => {
        const r = await fetch(input, init);
        return { status: r.status, source: r.headers.get('x-deploynet-source') };
      };
      return {
        authorization: await source('/css/site.css', { headers: { Authorization: 'Bearer secret' } }),
        range: await source('/css/site.css', { headers: { Range: 'bytes=0-9' } }),
        unlisted: await source('/not-in-the-manifest.txt'),
        manifest: await source('/deploynet-manifest.json'),
      };
    });
    expect(passthrough).toEqual({
      authorization: { status: 200, source: null },
      // Range requests are DeployNet's since issue 3: cut from the cached, verified site.css.
      range: { status: 206, source: 'cache' },
      unlisted: { status: 404, source: null },
      manifest: { status: 200, source: null },
    });
  });

  it('d: a manifest whose signature does not verify is refused and the site loads from the origin', async () => {
    const stack = await track(
      startStack({
        afterBuild: async (siteDir) => {
          const file = join(siteDir, 'deploynet-manifest.json');
          const envelope = JSON.parse(await readFile(file, 'utf8')) as { manifest: string };
          envelope.manifest = envelope.manifest.replace(/"version":(\d+)/, (_, v: string) => `"version":${Number(v) + 1}`);
          await writeFile(file, JSON.stringify(envelope));
        },
      }),
    );
    const v = await track(newVisitor(session.browser, stack.origin));
    const vStats = await visit(v.page, `${stack.origin}/`);
    expect(vStats.manifestVersion).toBeNull();
    expect(vStats.manifestError).toBe('MANIFEST_SIGNATURE_INVALID');
    expect(vStats.state).toBe('off');
    const sources = await resourceSources(v.page);
    const assets = listedSubresources(stack, sources, '/');
    expect(assets.length).toBeGreaterThanOrEqual(4);
    expectDeliveredBy(sources, null);
    await expectOriginBytes(stack, v, assets.map((s) => s.path));
    const direct = await fetchInPage(v.page, '/css/site.css');
    expect(direct.source).toBeNull();
    expect(await rendered(v.page)).toEqual({ status: 'app.js loaded', fontLoaded: true });
  });
});

describe('a new deploy', () => {
  const session = useBrowser();

  it('reaches a returning visitor: the new service worker takes the new manifest and serves the new bytes', async () => {
    const stack = await session.track(startStack({ build: { version: 1 } }));
    const v = await newVisitor(session.browser, stack.origin);
    expect((await visit(v.page, `${stack.origin}/`)).manifestVersion).toBe(1);
    const before = await fetchInPage(v.page, '/css/site.css');
    expect(before.source).not.toBeNull();

    await filled(v.page); // a quiet SW: Chromium activates the next one only when none is busy
    await stack.redeploy((dir) => appendFile(join(dir, 'css', 'site.css'), '\n/* deploy 2 */\n'), 2);
    // The browser's update check (what a navigation does) installs the new SW, which verifies
    // manifest 2 and takes control; a navigation after that is served from manifest 2.
    await newWorkerInControl(v.page);
    expect((await stats(v.page)).manifestVersion).toBe(2);
    await visit(v.page, `${stack.origin}/`);
    const after = await fetchInPage(v.page, '/css/site.css');
    expect(after.sha256).toBe(await stack.originSha256('/css/site.css'));
    expect(after.sha256).not.toBe(before.sha256);
    expect(after.source).not.toBeNull();
  });
});
