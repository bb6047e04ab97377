import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { boundedMemo } from '../cache/bounded-memo';

/**
 * What kind of address an outbound request would reach. `public` is globally routable
 * unicast; every other kind is refused unless the policy allows it.
 */
export type AddressKind =
  | 'public'
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'carrierGradeNat'
  | 'linkLocal'
  | 'uniqueLocal'
  | 'siteLocal'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'ipv4Mapped';

/** The result of {@link classifyAddress}. */
export interface AddressClassification {
  kind: AddressKind;
  /** Why, in words, for error messages and logs (empty for `public`). */
  description: string;
  /** The IPv4 address a NAT64, 6to4 or Teredo address carries, when it decided the kind. */
  embedded?: string;
}

/** What outbound requests may reach besides public addresses (the deployment's policy). */
export interface OutboundPolicy {
  /** Loopback addresses (127.0.0.0/8, ::1) and `localhost` names: development and same-host setups. */
  allowLoopback: boolean;
  /**
   * Address ranges (CIDR, e.g. `10.20.0.0/16`, `fd12:3456::/48`) the operator allows although
   * they are private, link-local and so on: its own network, e.g. the bridge's push endpoint.
   * Cloud metadata addresses stay refused whatever this says.
   */
  allowCidrs: readonly string[];
}

/**
 * An outbound request was refused before any byte was sent: its host is, or resolves to,
 * an address the {@link OutboundPolicy} does not allow (server-side request forgery guard).
 */
export class OutboundTargetRefused extends Error {
  readonly code = 'ERR_OUTBOUND_TARGET_REFUSED';
  constructor(
    /** The host as in the URL (a name or an address literal). */
    readonly host: string,
    /** The refused address (absent when the name itself is refused). */
    readonly address: string | undefined,
    /** Why, e.g. `a private address (RFC 1918)`. */
    readonly reason: string,
  ) {
    super(
      address === undefined || address === host
        ? `refused to connect to ${host}: ${reason}`
        : `refused to connect to ${host} (${address}): ${reason}`,
    );
    this.name = 'OutboundTargetRefused';
  }
}

/**
 * Cloud instance metadata services. Each is also in a range refused anyway (link-local,
 * unique-local, CGNAT, reserved); they are named so that no allow-list opens them.
 */
const METADATA_ADDRESSES = [
  '169.254.169.254/32', // AWS, GCP, Azure, OpenStack, DigitalOcean, …
  '169.254.170.2/32', // AWS ECS task metadata
  '169.254.170.23/32', // AWS EKS pod identity
  '169.254.0.23/32', // Tencent Cloud
  '100.100.100.200/32', // Alibaba Cloud
  '192.0.0.192/32', // Oracle Cloud
  'fd00:ec2::254/128', // AWS, IPv6
  'fd00:ec2::23/128', // AWS EKS pod identity, IPv6
].map((cidr) => ipaddr.parseCIDR(cidr));

/** Host names of cloud metadata services (compared lower-case, without a trailing dot). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.azure.com',
]);

/** IPv6 global unicast (RFC 4291 §2.4): anything else that is not classified below is unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
/** RFC 6052 well-known NAT64 prefix: the last 32 bits are the IPv4 destination. */
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

const V4_DESCRIPTIONS: Record<string, [AddressKind, string]> = {
  unspecified: ['unspecified', 'an unspecified address (0.0.0.0/8)'],
  broadcast: ['broadcast', 'the broadcast address'],
  multicast: ['multicast', 'a multicast address'],
  linkLocal: ['linkLocal', 'a link-local address (169.254.0.0/16)'],
  loopback: ['loopback', 'a loopback address'],
  carrierGradeNat: ['carrierGradeNat', 'a shared carrier-grade NAT address (100.64.0.0/10)'],
  private: ['private', 'a private address (RFC 1918)'],
};

const V6_DESCRIPTIONS: Record<string, [AddressKind, string]> = {
  unspecified: ['unspecified', 'the unspecified address (::)'],
  linkLocal: ['linkLocal', 'a link-local address (fe80::/10)'],
  multicast: ['multicast', 'a multicast address'],
  loopback: ['loopback', 'a loopback address'],
  uniqueLocal: ['uniqueLocal', 'a unique-local address (fc00::/7)'],
  ipv4Mapped: ['ipv4Mapped', 'an IPv4-mapped IPv6 address (::ffff:0:0/96)'],
  deprecatedSiteLocal: ['siteLocal', 'a site-local address (fec0::/10)'],
};

function v4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function classifyV4(ip: ipaddr.IPv4): AddressClassification {
  if (METADATA_ADDRESSES.some((range) => range[0].kind() === 'ipv4' && ip.match(range))) {
    return { kind: 'metadata', description: 'a cloud metadata service address' };
  }
  const range = ip.range();
  if (range === 'unicast') return { kind: 'public', description: '' };
  const [kind, description] = V4_DESCRIPTIONS[range] ?? ['reserved', 'a reserved or special-purpose address'];
  return { kind, description };
}

/** An IPv6 address that carries an IPv4 destination is judged by that destination. */
function viaEmbedded(embedded: ipaddr.IPv4, what: string): AddressClassification {
  const inner = classifyV4(embedded);
  if (inner.kind === 'public') return inner;
  const address = embedded.toString();
  return { kind: inner.kind, description: `${what} embedding ${address}, ${inner.description}`, embedded: address };
}

function classifyV6(ip: ipaddr.IPv6): AddressClassification {
  if (METADATA_ADDRESSES.some((range) => range[0].kind() === 'ipv6' && ip.match(range))) {
    return { kind: 'metadata', description: 'a cloud metadata service address' };
  }
  const range = ip.range();
  const p = ip.parts;
  if (range === 'rfc6052') {
    // 64:ff9b::/96 reaches the embedded IPv4 address; 64:ff9b:1::/48 is local-use NAT64 (RFC 8215).
    if (ip.match(NAT64_WELL_KNOWN)) return viaEmbedded(v4FromParts(p[6], p[7]), 'a NAT64 address');
    return { kind: 'private', description: 'a local-use NAT64 address (64:ff9b:1::/48)' };
  }
  if (range === '6to4') return viaEmbedded(v4FromParts(p[1], p[2]), 'a 6to4 address'); // RFC 3056 §2
  if (range === 'teredo') {
    // RFC 4380 §4: the server's IPv4 in bits 32-63, the client's (inverted) in bits 96-127.
    const server = viaEmbedded(v4FromParts(p[2], p[3]), 'a Teredo address');
    if (server.kind !== 'public') return server;
    return viaEmbedded(v4FromParts(~p[6] & 0xffff, ~p[7] & 0xffff), 'a Teredo address');
  }
  const known = V6_DESCRIPTIONS[range];
  if (known) return { kind: known[0], description: known[1] };
  if (range === 'unicast' && ip.match(GLOBAL_UNICAST_V6)) return { kind: 'public', description: '' };
  // IPv4-compatible (::a.b.c.d, deprecated), IPv4-translated, documentation, benchmarking,
  // ORCHID, discard-only and everything outside 2000::/3.
  return { kind: 'reserved', description: 'a reserved or special-purpose address' };
}

/**
 * Classify an IP address (IPv4 dotted-decimal or IPv6, with or without brackets or a zone).
 * IPv6 addresses that carry an IPv4 destination (NAT64 64:ff9b::/96, 6to4, Teredo) are
 * judged by the embedded address; IPv4-mapped addresses are a kind of their own.
 * Throws a TypeError for something that is not an IP address.
 *
 * @example
 * classifyAddress('10.0.0.1').kind;            // 'private'
 * classifyAddress('[::ffff:127.0.0.1]').kind;  // 'ipv4Mapped'
 * classifyAddress('64:ff9b::a00:1').kind;      // 'private' (NAT64 to 10.0.0.1)
 * classifyAddress('93.184.216.34').kind;       // 'public'
 */
export function classifyAddress(address: string): AddressClassification {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // node:net's isIP is strict (no octal or short IPv4 forms), unlike ipaddr.isValid.
  const version = isIP(bare.split('%')[0]);
  if (version === 0) throw new TypeError(`not an IP address: ${address}`);
  return version === 4 ? classifyV4(ipaddr.IPv4.parse(bare)) : classifyV6(parseV6(bare));
}

/**
 * ipaddr.js reads `::a.b.c.d` as IPv4-mapped (`::ffff:a.b.c.d`); the address is
 * IPv4-compatible (`::a0b:c0d`). A dotted tail is rewritten as two hex groups first.
 */
function parseV6(text: string): ipaddr.IPv6 {
  const hex = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)(?=%|$)/, (_all, a: string, b: string, c: string, d: string) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((n) => n.toString(16)).join(':'),
  );
  return ipaddr.IPv6.parse(hex);
}

/**
 * Parse one allow-list entry: a CIDR range, or a single address (taken as /32 or /128).
 * Returns it normalised (`10.20.0.0/16`); throws a TypeError naming what is wrong.
 *
 * @example parseCidr('10.20.0.0/16'); parseCidr('fd12:3456::/48'); parseCidr('192.168.1.10')
 */
export function parseCidr(text: string): string {
  const value = text.trim();
  if (!value.includes('/')) {
    if (isIP(value) === 0) throw new TypeError(`'${text}' is not an IP address or CIDR range`);
    const ip = ipaddr.parse(value);
    return `${ip.toString()}/${ip.kind() === 'ipv4' ? 32 : 128}`;
  }
  const [address, bits] = value.split('/');
  if (isIP(address) === 0 || !/^\d{1,3}$/.test(bits) || !ipaddr.isValidCIDR(value)) {
    throw new TypeError(`'${text}' is not a CIDR range (address/prefix-length)`);
  }
  const [ip, prefix] = ipaddr.parseCIDR(value);
  return `${ip.toString()}/${prefix}`;
}

/** Options of {@link createOutboundGuard}. */
export interface OutboundGuardOptions {
  /**
   * Resolve a host name to all its addresses (default: the system resolver, `dns.lookup`
   * with `all: true`). Tests resolve names of their own.
   */
  resolve?: (hostname: string, options: { family?: number; hints?: number }) => Promise<LookupAddress[]>;
  /** Called for every refusal, before it is thrown or reported (the app logs it). */
  onRefused?: (refusal: OutboundTargetRefused) => void;
}

/**
 * The server-side request forgery guard of outbound HTTP. The HttpClient adapters check a
 * literal address with `checkHost` before connecting, and resolve names through `lookup`,
 * which refuses the connection when any resolved address is refused: a name that resolves
 * (or rebinds) to a private address is refused before any byte is sent.
 */
export interface OutboundGuard {
  /**
   * Why a request to `host` (a URL's hostname: a name, an IPv4 address or a bracketed IPv6
   * address) is refused without resolving it, or undefined. Names other than `localhost`
   * and cloud metadata names pass here: their addresses are checked by `lookup`.
   */
  checkHost(host: string): string | undefined;
  /** Why a connection to `address` is refused, or undefined. */
  checkAddress(address: string): string | undefined;
  /** Throws {@link OutboundTargetRefused} when `checkHost` refuses `host`. */
  assertHost(host: string): void;
  /** A `lookup` for net.connect / tls.connect / http.request / undici's connector. */
  lookup: LookupFunction;
}

const defaultResolve = (hostname: string, options: { family?: number; hints?: number }) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { family: options.family ?? 0, hints: options.hints, all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** `localhost` and names below it always mean this host (RFC 6761 §6.3). */
function isLocalhostName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Build the {@link OutboundGuard} of a policy. Refused: loopback (unless
 * `policy.allowLoopback`), private (RFC 1918), carrier-grade NAT, link-local, unique-local,
 * site-local, unspecified, multicast, broadcast, reserved and IPv4-mapped addresses, NAT64 /
 * 6to4 / Teredo addresses embedding one of those, and cloud metadata addresses and names.
 * Addresses in `policy.allowCidrs` are allowed, except metadata ones.
 *
 * @example
 * const guard = createOutboundGuard({ allowLoopback: false, allowCidrs: ['10.20.0.0/16'] });
 * guard.checkAddress('10.20.1.5'); // undefined: allowed
 * guard.checkAddress('10.0.0.1');  // 'a private address (RFC 1918)'
 * const http = createHttpClient({ guard });
 */
export function createOutboundGuard(policy: OutboundPolicy, options: OutboundGuardOptions = {}): OutboundGuard {
  const allowed = policy.allowCidrs.map((cidr) => ipaddr.parseCIDR(parseCidr(cidr)));
  const resolve = options.resolve ?? defaultResolve;

  const checkAddress = boundedMemo((address: string): string | undefined => {
    const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
    let verdict: AddressClassification;
    try {
      verdict = classifyAddress(bare);
    } catch {
      return 'not an IP address';
    }
    if (verdict.kind === 'public') return undefined;
    if (verdict.kind === 'metadata') return verdict.description;
    const text = bare.split('%')[0];
    const ip = isIP(text) === 4 ? ipaddr.IPv4.parse(text) : parseV6(text);
    if (allowed.some((range) => range[0].kind() === ip.kind() && ip.match(range))) return undefined;
    // Loopback as itself; not a NAT64 or 6to4 address that leads to a loopback elsewhere.
    if (verdict.kind === 'loopback' && verdict.embedded === undefined && policy.allowLoopback) return undefined;
    return verdict.description;
  });

  const checkHost = boundedMemo((host: string): string | undefined => {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(bare.split('%')[0]) !== 0) return checkAddress(bare);
    const name = bare.toLowerCase().replace(/\.$/, '');
    if (METADATA_NAMES.has(name)) return 'a cloud metadata service name';
    if (isLocalhostName(name) && !policy.allowLoopback) return 'a loopback name';
    return undefined;
  });

  const refuse = (host: string, address: string | undefined, reason: string): OutboundTargetRefused => {
    const refusal = new OutboundTargetRefused(host, address, reason);
    options.onRefused?.(refusal);
    return refusal;
  };

  const lookup = ((hostname: string, lookupOptions: { family?: number; hints?: number; all?: boolean }, callback) => {
    const done = callback as (error: Error | null, address?: string | LookupAddress[], family?: number) => void;
    const byName = checkHost(hostname);
    if (byName !== undefined) {
      process.nextTick(done, refuse(hostname, undefined, byName));
      return;
    }
    resolve(hostname, lookupOptions).then(
      (addresses) => {
        if (addresses.length === 0) {
          done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }));
          return;
        }
        // Every address is checked: a name must not mix a public address with a private one.
        for (const { address } of addresses) {
          const reason = checkAddress(address);
          if (reason !== undefined) {
            done(refuse(hostname, address, reason));
            return;
          }
        }
        if (lookupOptions.all) done(null, addresses);
        else done(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => done(error),
    );
  }) as LookupFunction;

  return {
    checkHost,
    checkAddress,
    assertHost(host) {
      const reason = checkHost(host);
      if (reason !== undefined) throw refuse(host, isIP(host.replace(/^\[|\]$/g, '')) ? host : undefined, reason);
    },
    lookup,
  };
}
