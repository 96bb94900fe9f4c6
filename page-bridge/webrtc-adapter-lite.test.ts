import { describe, expect, it } from 'vitest';
import { detectBrowser } from './webrtc-adapter-lite.js';

// User-agent strings as the browsers send them (the adapter's own test cases use the same shapes).
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const CHROMIUM = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/120.0.6099.224 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';

describe('webrtc-adapter-lite: browserDetails as PeerJS reads them', () => {
  it('names Chrome, Chromium, Firefox and Safari with the versions PeerJS compares', () => {
    expect(detectBrowser({ userAgent: CHROME })).toEqual({ browser: 'chrome', version: 131 });
    expect(detectBrowser({ userAgent: CHROMIUM })).toEqual({ browser: 'chrome', version: 120 });
    expect(detectBrowser({ userAgent: FIREFOX })).toEqual({ browser: 'firefox', version: 128 });
    // Safari's "version" is its AppleWebKit build: PeerJS requires at least 605.
    expect(detectBrowser({ userAgent: SAFARI })).toEqual({ browser: 'safari', version: 605 });
  });

  it('prefers the Chromium brand of userAgentData (90 and later) over a frozen or spoofed user agent', () => {
    const brands = [{ brand: 'Not_A Brand', version: '8' }, { brand: 'Chromium', version: '126' }];
    expect(detectBrowser({ userAgent: SAFARI, userAgentData: { brands } })).toEqual({ browser: 'chrome', version: 126 });
    // A brand version below 90 is not trusted (userAgentData came with Chromium 90).
    expect(detectBrowser({ userAgent: FIREFOX, userAgentData: { brands: [{ brand: 'Chromium', version: '80' }] } })).toEqual({ browser: 'firefox', version: 128 });
  });

  it('anything else is no known browser, as the adapter reports it', () => {
    expect(detectBrowser(undefined)).toEqual({ browser: null, version: null });
    expect(detectBrowser({ userAgent: '' })).toEqual({ browser: null, version: null });
    expect(detectBrowser({ userAgent: 'curl/8.5.0' })).toEqual({ browser: null, version: null });
  });
});
