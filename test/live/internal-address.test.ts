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
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00::1234', 'unique local (private)'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
  ])('%s is %s', (address, kind) => {
    expect(internalAddressKind(address)).toBe(kind);
  });

  it('sees IPv4 addresses hidden in IPv6 forms', () => {
    expect(internalAddressKind('::ffff:127.0.0.1')).toBe('loopback');
    expect(internalAddressKind('::ffff:a00:1')).toBe('private');
    expect(internalAddressKind('64:ff9b::a9fe:a9fe')).toMatch(/^link-local \(embedded/);
    expect(internalAddressKind('2002:c0a8:0101::1')).toMatch(/^private \(embedded/);
  });

  it('lets public addresses through', () => {
    for (const a of ['8.8.8.8', '151.101.1.1', '172.32.0.1', '2001:4860:4860::8888', '64:ff9b::808:808']) expect(internalAddressKind(a)).toBeNull();
  });

  it('treats what is not an IP address as internal rather than guessing', () => {
    expect(internalAddressKind('localhost')).toBe('not an IP address');
    expect(internalAddressKind('')).toBe('not an IP address');
  });
});
