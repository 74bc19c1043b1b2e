import { describe, expect, it } from 'vitest';
import { HostAllowlist } from '../../src/live/host-allowlist.js';

const u = (s: string) => new URL(s);

describe('HostAllowlist', () => {
  it('allows nothing when not configured', () => {
    for (const list of [HostAllowlist.parse(undefined), HostAllowlist.parse(''), HostAllowlist.fromEnv({})]) {
      expect(list.empty).toBe(true);
      expect(list.allows(u('https://fhir.example.no/r4'))).toBe(false);
    }
  });

  it('reads comma-separated patterns from SAMSVAR_FHIR_ALLOWED_HOSTS', () => {
    const list = HostAllowlist.fromEnv({ SAMSVAR_FHIR_ALLOWED_HOSTS: ' fhir.a.no , fhir.b.no:8443 ' });
    expect(list.allows(u('https://fhir.a.no/r4'))).toBe(true);
    expect(list.allows(u('http://fhir.a.no:9000/r4'))).toBe(true);
    expect(list.allows(u('https://fhir.b.no:8443/'))).toBe(true);
    expect(list.allows(u('https://fhir.b.no/'))).toBe(false);
    expect(list.allows(u('https://fhir.c.no/'))).toBe(false);
  });

  it('matches host names case-insensitively and ignores a trailing dot', () => {
    const list = HostAllowlist.parse('FHIR.Example.NO');
    expect(list.allows(u('https://fhir.example.no./'))).toBe(true);
    expect(list.allows(u('https://FHIR.EXAMPLE.NO/'))).toBe(true);
  });

  it('lets *.domain match subdomains only, and never counts it as naming a host exactly', () => {
    const list = HostAllowlist.parse('*.vendor.no');
    expect(list.allows(u('https://fhir.vendor.no/'))).toBe(true);
    expect(list.allows(u('https://a.b.vendor.no/'))).toBe(true);
    expect(list.allows(u('https://vendor.no/'))).toBe(false);
    expect(list.allows(u('https://evilvendor.no/'))).toBe(false);
    expect(list.allows(u('https://vendor.no.evil.com/'))).toBe(false);
    expect(list.namesExactly(u('https://fhir.vendor.no/'))).toBe(false);
  });

  it('names a host exactly only with an exact pattern on the matching port', () => {
    const list = HostAllowlist.parse('*.vendor.no, intern.vendor.no:8443');
    expect(list.namesExactly(u('https://intern.vendor.no:8443/'))).toBe(true);
    expect(list.namesExactly(u('https://intern.vendor.no:9000/'))).toBe(false);
    expect(list.allows(u('https://intern.vendor.no:9000/'))).toBe(true);
  });

  it('accepts IP literals, with IPv6 in brackets', () => {
    const list = HostAllowlist.parse('127.0.0.1:8080,[::1]:8081');
    expect(list.allows(u('http://127.0.0.1:8080/fhir'))).toBe(true);
    expect(list.allows(u('http://127.0.0.1:8081/fhir'))).toBe(false);
    expect(list.allows(u('http://[::1]:8081/fhir'))).toBe(true);
    expect(list.namesExactly(u('http://[::1]:8081/fhir'))).toBe(true);
  });

  it('sees through other spellings of an IPv4 address, since URLs normalise them', () => {
    const list = HostAllowlist.parse('127.0.0.1');
    expect(list.allows(u('http://2130706433/'))).toBe(true);
    expect(list.allows(u('http://0x7f.1/'))).toBe(true);
  });

  it('lets * match any host, without naming any exactly', () => {
    const list = HostAllowlist.parse('*');
    expect(list.allows(u('https://anything.example/'))).toBe(true);
    expect(list.namesExactly(u('https://anything.example/'))).toBe(false);
  });

  it('defaults for the CLI to exactly the base URL host and port', () => {
    const list = HostAllowlist.forUrl(u('http://localhost:8080/fhir'));
    expect(list.allows(u('http://localhost:8080/other'))).toBe(true);
    expect(list.namesExactly(u('http://localhost:8080/'))).toBe(true);
    expect(list.allows(u('http://localhost:8081/'))).toBe(false);
    expect(HostAllowlist.forUrl(u('https://fhir.example.no/r4')).allows(u('https://fhir.example.no:443/x'))).toBe(true);
  });

  it.each(['http://fhir.example.no', 'fhir.example.no/path', 'a..b', '*.', 'host:0', 'host:70000', '[not-ipv6]', 'exa mple.no', '*.*.no'])(
    'rejects the malformed pattern %j with a reason',
    (pattern) => {
      expect(() => HostAllowlist.parse(pattern)).toThrow(/host pattern .* is not valid/);
    },
  );
});
