import { describe, expect, it } from 'vitest';
import { ipKey, ipOf } from '../../src/connections.js';

describe('inbound limits count by IP (IPv6: by /64)', () => {
  it('ipOf takes the IP of ip4/ip6 multiaddrs only', () => {
    expect(ipOf('/ip4/10.0.0.1/tcp/9000/p2p/12D3')).toBe('10.0.0.1');
    expect(ipOf('/ip6/2001:db8::1/tcp/9000')).toBe('2001:db8::1');
    expect(ipOf('/dns4/lab-a.example/tcp/9000')).toBeNull();
  });
  it('ipKey: an IPv4 address as is; every address of one IPv6 /64 the same key', () => {
    expect(ipKey('127.0.0.2')).toBe('127.0.0.2');
    expect(ipKey('2001:db8:1:2::1')).toBe(ipKey('2001:db8:1:2:ffff:1:2:3'));
    expect(ipKey('2001:db8:1:2::1')).not.toBe(ipKey('2001:db8:1:3::1'));
    expect(ipKey('::1')).toBe('0:0:0:0::/64');
  });
});
