import { describe, expect, it } from 'vitest';
import { internalAddressKind } from '../../src/live/internal-address.js';

describe('internalAddressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00::1234', 'unique local (private)'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['100::1', 'discard-only'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'ORCHID'],
    ['2001:20::1', 'ORCHID'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['64:ff9b:1:ffff::808:808', 'local-use NAT64'],
    ['4000::1', 'not global unicast'],
    ['::2:0:0:1', 'not global unicast'],
  ])('%s is %s', (address, kind) => {
    expect(internalAddressKind(address)).toBe(kind);
  });

  // 169.254.169.254 (the cloud metadata address), 127.0.0.1 and 10.0.0.1 written every way IPv6 can carry them.
  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a00:1', 'private'],
    ['::FFFF:A9FE:A9FE', 'link-local'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::a9fe:a9fe', 'link-local'],
    ['[::a9fe:a9fe]', 'link-local'],
    ['::169.254.169.254', 'link-local'],
    ['::7f00:1', 'loopback'],
    ['::ffff:0:a9fe:a9fe', 'link-local'],
    ['::ffff:0:169.254.169.254', 'link-local'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::169.254.169.254', 'link-local'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['2002:c0a8:0101::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    // Teredo: the client address is the last 32 bits inverted; the server address follows the prefix.
    ['2001:0:4136:e378:8000:63bf:5601:5601', 'link-local'],
    ['2001:0:a9fe:a9fe::1', 'link-local'],
  ])('%s carries a %s IPv4 address', (address, kind) => {
    expect(internalAddressKind(address)).toMatch(new RegExp(`^${kind.replace(/[()]/g, '\\$&')} \\((embedded|IPv4)`));
  });

  it('lets public addresses through, in IPv4 and in every IPv6 form that embeds a public IPv4 address', () => {
    for (const a of [
      '8.8.8.8',
      '151.101.1.1',
      '172.32.0.1',
      '2001:4860:4860::8888',
      '2a00:1450:400f:80c::200e',
      '64:ff9b::808:808',
      '64:ff9b::8.8.8.8',
      '::ffff:8.8.8.8',
      '::ffff:808:808',
      '2002:808:808::1',
    ]) {
      expect([a, internalAddressKind(a)]).toEqual([a, null]);
    }
  });

  it('treats what is not a canonical IP address as internal rather than guessing', () => {
    for (const a of [
      'localhost',
      '',
      '2130706433',
      '0x7f000001',
      '0177.0.0.1',
      '127.1',
      '0x7f.0.0.1',
      '::ffff:127.0.0.256',
      '1::2::3',
      'fe80::1%',
    ]) {
      expect([a, internalAddressKind(a)]).toEqual([a, 'not an IP address']);
    }
  });
});
