import { isIP } from 'node:net';
import { SamsvarError } from '../core/samsvar-error.js';

/** The environment variable the service reads its allowlist from. */
export const ALLOWED_HOSTS_ENV = 'SAMSVAR_FHIR_ALLOWED_HOSTS';

interface HostPattern {
  text: string;
  /** Lower-case host without brackets or trailing dot; for `*.x` the suffix `x`; empty for `*`. */
  host: string;
  kind: 'exact' | 'subdomains' | 'any';
  /** Absent: any port. */
  port?: number;
}

/** Host of a URL as compared against patterns: lower case, no IPv6 brackets, no trailing dot. */
export function normalizedHost(url: URL): string {
  return url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function parsePattern(text: string): HostPattern {
  const bad = (why: string) =>
    new SamsvarError('bad_request', `host pattern '${text}' is not valid: ${why}; expected host, host:port, *.domain[:port] or *`);
  let rest = text.trim().toLowerCase();
  let port: number | undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw bad('not an IPv6 address in brackets');
    rest = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else {
    const withPort = /^(.*):(\d+)$/.exec(rest);
    if (withPort) {
      rest = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw bad('port out of range');
  if (rest === '*.') throw bad('a wildcard needs a domain');
  rest = rest.replace(/\.$/, '');
  if (rest === '*') return { text, host: '', kind: 'any', port };
  if (isIP(rest)) return { text, host: rest, kind: 'exact', port };
  const wildcard = rest.startsWith('*.');
  const name = wildcard ? rest.slice(2) : rest;
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(name))
    throw bad('not a host name');
  return { text, host: name, kind: wildcard ? 'subdomains' : 'exact', port };
}

/**
 * Which hosts a live FHIR test may contact. Patterns: `fhir.vendor.no` (that host, any port),
 * `fhir.vendor.no:8443`, `*.vendor.no` (any subdomain, not vendor.no itself), IP literals such as
 * `10.1.2.3` or `[::1]:8080`, and `*` (any host). Only an exact pattern lets a host resolve to a
 * loopback, private or link-local address: wildcards never open the way into internal networks.
 */
export class HostAllowlist {
  private constructor(private readonly patterns: HostPattern[]) {}

  /** Comma-separated patterns; empty or absent allows nothing. */
  static parse(text: string | undefined): HostAllowlist {
    const parts = (text ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    return new HostAllowlist(parts.map(parsePattern));
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): HostAllowlist {
    return HostAllowlist.parse(env[ALLOWED_HOSTS_ENV]);
  }

  /** Exactly the host and port of one URL: what a vendor testing its own server needs. */
  static forUrl(url: URL): HostAllowlist {
    const host = normalizedHost(url);
    return new HostAllowlist([{ text: url.host, host, kind: 'exact', port: effectivePort(url) }]);
  }

  with(other: HostAllowlist): HostAllowlist {
    return new HostAllowlist([...this.patterns, ...other.patterns]);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  private matching(url: URL): HostPattern[] {
    const host = normalizedHost(url);
    const port = effectivePort(url);
    return this.patterns.filter((p) => {
      if (p.port !== undefined && p.port !== port) return false;
      if (p.kind === 'any') return true;
      if (p.kind === 'exact') return p.host === host;
      return host.endsWith(`.${p.host}`);
    });
  }

  allows(url: URL): boolean {
    return this.matching(url).length > 0;
  }

  /** True when an exact (non-wildcard) pattern names this URL's host: then internal addresses are accepted. */
  namesExactly(url: URL): boolean {
    return this.matching(url).some((p) => p.kind === 'exact');
  }

  toString(): string {
    return this.patterns.length ? this.patterns.map((p) => p.text).join(', ') : '(none)';
  }
}
