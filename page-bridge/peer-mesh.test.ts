/**
 * The pure parts of PeerMesh (mesh-options.ts): the PeerJS options and RTCConfiguration it derives
 * from the site config, and the one upload bucket it shares between links. The mesh itself runs in
 * the browser tests; its signaling through the mesh in mesh-signaling.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, PEERJS_KEY, PEERJS_MOUNT, resolveSiteConfig } from '../core/index.js';
import { peerOptions, rtcConfiguration, uploadBucket } from './mesh-options.js';
import { reconnectDelayMs } from './signal-session.js';

const base = { publicKey: 'A'.repeat(43), keyId: '0123456789abcdef' };

describe('peerOptions', () => {
  it('derives host, port, path and TLS from the signal base URL, with the default ICE policy', () => {
    const config = resolveSiteConfig({ ...base, signal: 'http://127.0.0.1:9000' });
    expect(peerOptions('http://127.0.0.1:9000', config, 'tok')).toEqual({
      host: '127.0.0.1',
      port: 9000,
      path: PEERJS_MOUNT,
      secure: false,
      key: PEERJS_KEY,
      token: 'tok',
      config: { iceServers: [], iceTransportPolicy: 'all' },
      debug: 0,
    });
    expect(peerOptions('https://signal.example/base', config, 't')).toMatchObject({ host: 'signal.example', port: 443, path: `/base${PEERJS_MOUNT}`, secure: true });
  });

  it('presents the site token as the PeerJS key when the site has one', () => {
    const signalToken = 'site-token-0123456789';
    const config = resolveSiteConfig({ ...base, signal: 'http://127.0.0.1:9000', signalToken });
    expect(peerOptions('http://127.0.0.1:9000', config, 'tok').key).toBe(signalToken);
  });

  it('passes the site ICE servers and relay-only policy into the RTCConfiguration', () => {
    const iceServers = [{ urls: 'stun:s.example' }, { urls: ['turn:t.example:3478', 'turns:t.example:5349'], username: 'u', credential: 'c' }];
    const config = resolveSiteConfig({ ...base, signal: 'https://signal.example', iceServers, iceTransportPolicy: 'relay' });
    const options = peerOptions('https://signal.example', config, 't');
    expect(options.config).toEqual({ iceServers, iceTransportPolicy: 'relay' });
    // A copy: PeerJS gets mutable arrays, the readonly config is left alone.
    expect(options.config.iceServers[1]!.urls).not.toBe(config.iceServers[1]!.urls);
  });
});

describe('rtcConfiguration', () => {
  it('is what PeerJS gets: relayed handshakes use the same ICE servers and policy, never a public STUN server', () => {
    const config = resolveSiteConfig({ ...base, signal: 'http://127.0.0.1:9000' });
    expect(rtcConfiguration(config)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    expect(rtcConfiguration(config)).toEqual(peerOptions('http://127.0.0.1:9000', config, 't').config);
  });
});

describe('uploadBucket', () => {
  it('is null (unlimited) for a rate of 0', () => {
    expect(uploadBucket({ uploadRateBytesPerSec: 0 })).toBeNull();
  });

  it('refills at the rate, with a burst of one second and at least one DATA frame', () => {
    expect(uploadBucket({ uploadRateBytesPerSec: 500_000 })).toMatchObject({ ratePerSec: 500_000, capacity: 500_000 });
    expect(uploadBucket({ uploadRateBytesPerSec: 1000 })).toMatchObject({ ratePerSec: 1000, capacity: MAX_PAYLOAD_BYTES });
  });
});

describe('reconnectDelayMs', () => {
  it('backs off from 1 s, doubling, to at most 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50, 5000].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });
});
