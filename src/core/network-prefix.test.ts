import { describe, expect, it } from 'vitest';
import { networkPrefix } from './network-prefix.js';

const DEFAULT = { ipv4: 24, ipv6: 64 };

describe('networkPrefix', () => {
  it('masks IPv4 and IPv6 addresses to their prefix', () => {
    expect(networkPrefix('10.1.2.3', DEFAULT)).toBe('10.1.2.0/24');
    expect(networkPrefix('10.1.2.3', { ipv4: 16, ipv6: 64 })).toBe('10.1.0.0/16');
    expect(networkPrefix('10.1.2.3', { ipv4: 20, ipv6: 64 })).toBe('10.1.0.0/20');
    expect(networkPrefix('2001:db8:1:2:3:4:5:6', DEFAULT)).toBe('2001:db8:1:2::/64');
    expect(networkPrefix('2001:0db8:0001:0002::9', DEFAULT)).toBe('2001:db8:1:2::/64');
  });

  it('takes an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(networkPrefix('::ffff:127.0.1.5', DEFAULT)).toBe('127.0.1.0/24');
  });

  it('gives nothing for what is not an address', () => {
    expect(networkPrefix('unknown', DEFAULT)).toBeUndefined();
  });
});
