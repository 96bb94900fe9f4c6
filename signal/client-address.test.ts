import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress } from './client-address.js';

describe('clientAddress', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('192.0.2.1', '198.51.100.7', 0)).toBe('192.0.2.1');
    expect(clientAddress('192.0.2.1', undefined, 1)).toBe('192.0.2.1');
    expect(clientAddress(undefined, undefined, 0)).toBe('unknown');
  });

  it('behind N trusted proxies, is the Nth entry from the right', () => {
    expect(clientAddress('10.0.0.1', '198.51.100.7', 1)).toBe('198.51.100.7');
    // a client that forges X-Forwarded-For only adds entries further left
    expect(clientAddress('10.0.0.1', 'forged, 203.0.113.9, 198.51.100.7', 1)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', '203.0.113.9, 198.51.100.7, 10.0.0.1', 2)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', ['203.0.113.9', '198.51.100.7'], 1)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', '2001:db8::1', 1)).toBe('2001:db8::1');
  });

  it('falls back to the TCP peer on a short chain or an entry that is not an address', () => {
    expect(clientAddress('10.0.0.1', '198.51.100.7', 3)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', 'unknown', 1)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '', 1)).toBe('10.0.0.1');
  });
});

describe('addressKey', () => {
  it('keeps IPv4 and unwraps IPv4-mapped IPv6', () => {
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::FFFF:c000:0201')).toBe('192.0.2.1');
  });

  it('groups IPv6 by /64, however the address is written', () => {
    const key = '2001:db8:0:1::/64';
    expect(addressKey('2001:db8:0:1::1')).toBe(key);
    expect(addressKey('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff')).toBe(key);
    expect(addressKey('2001:db8::1:0:0:0:7')).toBe(key);
    expect(addressKey('2001:db8:0:2::1')).not.toBe(key);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('passes anything else through, lowercased', () => {
    expect(addressKey('unknown')).toBe('unknown');
  });
});
