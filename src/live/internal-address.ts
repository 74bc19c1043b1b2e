import { BlockList } from 'node:net';

/**
 * Address ranges a live test must never reach unless an operator allowlisted the exact host:
 * they lead into the machine running samsvar or into its private network (SSRF), or are not
 * reachable on the internet at all (so a connection to them can only go somewhere local). The
 * documentation ranges (192.0.2.0/24, 2001:db8::/32, …) are left to routing: they lead nowhere.
 */
const IPV4_RANGES: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** IPv6 ranges that carry no IPv4 address (those are classified by the address they carry). */
const IPV6_RANGES: ReadonlyArray<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:10::', 28, 'ORCHID'],
  ['2001:20::', 28, 'ORCHID'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function listsOf(ranges: ReadonlyArray<[string, number, string]>, type: 'ipv4' | 'ipv6') {
  return ranges.map(([net, prefix, label]) => {
    const list = new BlockList();
    list.addSubnet(net, prefix, type);
    return { list, label };
  });
}
const ipv4Lists = listsOf(IPV4_RANGES, 'ipv4');
const ipv6Lists = listsOf(IPV6_RANGES, 'ipv6');

const NOT_AN_ADDRESS = 'not an IP address';

/** Only the canonical dotted quad: 127.1, 0x7f.0.0.1, 0177.0.0.1 and 2130706433 are refused, not reinterpreted. */
function ipv4Octets(text: string): number[] | null {
  if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text)) return null;
  return text.split('.').map(Number);
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad included), or null. */
function ipv6Groups(text: string): number[] | null {
  let body = text;
  let quad: number[] | null = null;
  const written = /:(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (written) {
    quad = ipv4Octets(written[1]!);
    if (!quad) return null;
    body = body.slice(0, -written[1]!.length) + '0:0'; // two groups standing in for the dotted quad
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const count = head.length + rest.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return null;
  const groups = [...head, ...Array<string>(8 - count).fill('0'), ...rest].map((g) => parseInt(g, 16));
  if (quad) groups.splice(6, 2, (quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
  return groups;
}

const ipv4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
const allZero = (gs: number[]) => gs.every((g) => g === 0);

/**
 * The IPv4 addresses an IPv6 address delivers to: IPv4-compatible (::/96), IPv4-mapped
 * (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16) and
 * Teredo (2001::/32, the server address and the inverted client address).
 */
function embeddedIpv4(g: number[]): string[] {
  if (allZero(g.slice(0, 6))) return [ipv4Of(g[6]!, g[7]!)];
  if (allZero(g.slice(0, 5)) && g[5] === 0xffff) return [ipv4Of(g[6]!, g[7]!)];
  if (allZero(g.slice(0, 4)) && g[4] === 0xffff && g[5] === 0) return [ipv4Of(g[6]!, g[7]!)];
  if (g[0] === 0x64 && g[1] === 0xff9b && allZero(g.slice(2, 6))) return [ipv4Of(g[6]!, g[7]!)];
  if (g[0] === 0x2002) return [ipv4Of(g[1]!, g[2]!)];
  if (g[0] === 0x2001 && g[1] === 0) return [ipv4Of(g[2]!, g[3]!), ipv4Of(g[6]! ^ 0xffff, g[7]! ^ 0xffff)];
  return [];
}

function ipv4Kind(address: string): string | null {
  for (const { list, label } of ipv4Lists) if (list.check(address, 'ipv4')) return label;
  return null;
}

function ipv6Kind(groups: number[], written: string): string | null {
  const canonical = groups.map((x) => x.toString(16)).join(':');
  if (allZero(groups.slice(0, 7)) && groups[7]! <= 1) return groups[7] === 1 ? 'loopback' : 'unspecified';
  const carried = embeddedIpv4(groups);
  for (const v4 of carried) {
    const inner = ipv4Kind(v4);
    if (inner) return `${inner} (embedded in ${written})`;
  }
  if (carried.length > 0) return null;
  for (const { list, label } of ipv6Lists) if (list.check(canonical, 'ipv6')) return label;
  // Only 2000::/3 is global unicast; anything else not matched above cannot be a public server.
  if (groups[0]! >> 13 !== 1) return 'not global unicast';
  return null;
}

/**
 * Why an IP address is internal (e.g. "loopback"), or null for a public address. Anything that is
 * not a canonically written IP address counts as internal: an address we cannot classify is not
 * one we connect to.
 */
export function internalAddressKind(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%[^%]+$/, '');
  if (ipv4Octets(bare)) return ipv4Kind(bare);
  if (!bare.includes(':')) return NOT_AN_ADDRESS;
  const groups = ipv6Groups(bare);
  return groups ? ipv6Kind(groups, bare) : NOT_AN_ADDRESS;
}
