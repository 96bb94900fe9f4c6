/**
 * The pure settings PeerMesh derives from the site config: PeerJS client options, the
 * RTCConfiguration of every peer connection (PeerJS's and relayed ones alike), and the one upload
 * bucket all links share.
 */
import { MAX_PAYLOAD_BYTES, PEERJS_KEY, PEERJS_MOUNT, type SiteConfig } from '../core/index.js';
import { TokenBucket } from './token-bucket.js';

/**
 * The per-visitor upload limit, shared by every link (null: unlimited). The burst is one second
 * of the rate, and never less than one DATA frame.
 */
export function uploadBucket(config: Pick<SiteConfig, 'uploadRateBytesPerSec'>): TokenBucket | null {
  const rate = config.uploadRateBytesPerSec;
  return rate > 0 ? new TokenBucket({ capacity: Math.max(rate, MAX_PAYLOAD_BYTES), ratePerSec: rate }) : null;
}

/** The site's ICE servers only (never a public STUN server), and its transport policy. */
export function rtcConfiguration(config: Pick<SiteConfig, 'iceServers' | 'iceTransportPolicy'>) {
  return {
    iceServers: config.iceServers.map((s) => ({ ...s, urls: typeof s.urls === 'string' ? s.urls : [...s.urls] })),
    // 'relay': only TURN candidates, so peers never learn each other's addresses.
    iceTransportPolicy: config.iceTransportPolicy,
  };
}

/** PeerJS client options derived from the signal base URL: every path comes from it. */
export function peerOptions(signal: string, config: SiteConfig, token: string) {
  const url = new URL(signal);
  const secure = url.protocol === 'https:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    path: `${url.pathname.replace(/\/+$/, '')}${PEERJS_MOUNT}`,
    secure,
    // The node's site token when the site has one (signal node --site-tokens), else the default key.
    key: config.signalToken ?? PEERJS_KEY,
    token,
    config: rtcConfiguration(config),
    debug: 0,
  };
}
