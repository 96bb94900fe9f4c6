/**
 * Stands in for the `webrtc-adapter` package inside deploynet.js (esbuild.config.mjs aliases it).
 *
 * PeerJS imports webrtc-adapter for two things: `browserDetails` (its support check reads the
 * browser's name and version) and, as a side effect of the import, shims that patch
 * RTCPeerConnection and RTCDataChannel in browsers older than the ones deploynet.js is built for
 * (esbuild target: Chrome 111, Firefox 111, Safari 16.4). In those browsers every shim it applies to
 * data channels is a no-op (maxMessageSize and sctp exist natively, send() throws natively,
 * parameterless setLocalDescription and null candidates are native); its media shims do not
 * concern DeployNet, which opens data channels only. Together with its `sdp` dependency it was
 * 49 KB of the page script's 153 KB minified, a third of it gzipped.
 *
 * So this module keeps the one thing PeerJS reads, `browserDetails`, computed the way the adapter
 * does (the same names and the same version numbers: Chromium's major version, Firefox's major
 * version, Safari's AppleWebKit build, which PeerJS compares with 605), and applies no shims.
 */

export interface BrowserDetails {
  readonly browser: 'chrome' | 'firefox' | 'safari' | null;
  readonly version: number | null;
}

/** What detectBrowser reads of `navigator` (userAgentData is Chromium's, 90 and later). */
export interface NavigatorLike {
  readonly userAgent: string;
  readonly userAgentData?: { readonly brands?: ReadonlyArray<{ readonly brand: string; readonly version: string }> };
}

function major(userAgent: string, pattern: RegExp): number | null {
  const match = pattern.exec(userAgent);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 10);
}

/** The browser's name and version as webrtc-adapter's `browserDetails` reports them. */
export function detectBrowser(nav: NavigatorLike | undefined): BrowserDetails {
  if (!nav?.userAgent) return { browser: null, version: null };
  const chromium = nav.userAgentData?.brands?.find((b) => b.brand === 'Chromium');
  const brandVersion = chromium ? Number.parseInt(chromium.version, 10) : Number.NaN;
  if (brandVersion >= 90) return { browser: 'chrome', version: brandVersion };
  const ua = nav.userAgent;
  if (/Firefox\/\d+\./.test(ua)) return { browser: 'firefox', version: major(ua, /Firefox\/(\d+)\./) };
  if (/Chrom(?:e|ium)\/\d+\./.test(ua)) return { browser: 'chrome', version: major(ua, /Chrom(?:e|ium)\/(\d+)\./) };
  if (/AppleWebKit\/\d+\./.test(ua)) return { browser: 'safari', version: major(ua, /AppleWebKit\/(\d+)\./) };
  return { browser: null, version: null };
}

const adapter = { browserDetails: detectBrowser(typeof navigator === 'undefined' ? undefined : navigator) };
export default adapter;
