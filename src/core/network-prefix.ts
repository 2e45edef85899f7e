/**
 * The network an address belongs to, for counting failures per prefix (/24 for IPv4, /64 for
 * IPv6 by default): an attacker with a few neighbouring addresses must not get each one's
 * allowance. Parsing is ipaddr.js's (IPv6's many spellings, IPv4-mapped IPv6 addresses).
 */
import ipaddr from 'ipaddr.js';

export interface PrefixLengths {
  ipv4: number;
  ipv6: number;
}

/** `10.1.2.0/24` for `10.1.2.3`; undefined for what is not an IP address. */
export function networkPrefix(address: string, lengths: PrefixLengths): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  // ::ffff:10.1.2.3 (an IPv4 client of a server bound to ::) is the IPv4 address it carries.
  const parsed = ipaddr.process(address);
  const bits = parsed.kind() === 'ipv4' ? lengths.ipv4 : lengths.ipv6;
  const bytes = parsed.toByteArray();
  for (let i = 0; i < bytes.length; i += 1) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}
