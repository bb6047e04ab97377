import type { LookupAddress } from 'node:dns';
import {
  OutboundTargetRefused,
  classifyAddress,
  createOutboundGuard,
  parseCidr,
  type AddressKind,
  type OutboundGuard,
} from './outbound-guard';

describe('classifyAddress', () => {
  it.each<[string, AddressKind]>([
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['[2001:4860:4860::8888]', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fec0::1', 'siteLocal'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['[::ffff:7f00:1]', 'ipv4Mapped'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    // IPv4-compatible (deprecated) and other addresses outside 2000::/3
    ['::127.0.0.1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    // cloud metadata services, named although their ranges are refused anyway
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    // NAT64 (RFC 6052), 6to4 (RFC 3056) and Teredo (RFC 4380) are judged by the IPv4 they carry
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['64:ff9b:1::a00:1', 'private'],
    ['2002:0808:0808::1', 'public'],
    ['2002:c0a8:0101::1', 'private'],
    ['2002:7f00:0001::1', 'loopback'],
    // Teredo: server 65.54.227.120, client 8.8.8.8 (inverted: f7f7:f7f7) / 10.0.0.1 (f5ff:fffe)
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'public'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'],
    ['2001:0:0a00:0001:8000:63bf:f7f7:f7f7', 'private'],
  ])('classifies %s as %s', (address, kind) => {
    expect(classifyAddress(address).kind).toBe(kind);
  });

  it('says what the address is, naming the embedded IPv4 address of a NAT64 address', () => {
    expect(classifyAddress('10.1.2.3').description).toBe('a private address (RFC 1918)');
    expect(classifyAddress('64:ff9b::a00:1').description).toBe(
      'a NAT64 address embedding 10.0.0.1, a private address (RFC 1918)',
    );
    expect(classifyAddress('169.254.169.254').description).toBe('a cloud metadata service address');
  });

  it.each(['example.com', '0x7f000001', '127.1', '', '1.2.3.4.5', '[::1'])('throws for %j', (text) => {
    expect(() => classifyAddress(text)).toThrow(TypeError);
  });
});

describe('parseCidr', () => {
  it('normalises ranges and takes a bare address as a single-address range', () => {
    expect(parseCidr(' 10.20.0.0/16 ')).toBe('10.20.0.0/16');
    expect(parseCidr('fd12:3456:0000::/48')).toBe('fd12:3456::/48');
    expect(parseCidr('192.168.1.10')).toBe('192.168.1.10/32');
    expect(parseCidr('fd00::5')).toBe('fd00::5/128');
  });

  it.each(['10.0.0.0/33', '10.0.0/8', 'example.com/8', '10.0.0.0/', 'fd00::/129', '0x0a000000/8', 'ten'])(
    'refuses %j',
    (text) => {
      expect(() => parseCidr(text)).toThrow(TypeError);
    },
  );
});

describe('createOutboundGuard', () => {
  const strict = createOutboundGuard({ allowLoopback: false, allowCidrs: [] });

  it('allows public addresses and refuses the rest with the reason', () => {
    expect(strict.checkAddress('93.184.216.34')).toBeUndefined();
    expect(strict.checkAddress('10.0.0.1')).toBe('a private address (RFC 1918)');
    expect(strict.checkAddress('127.0.0.1')).toBe('a loopback address');
    expect(strict.checkAddress('::ffff:127.0.0.1')).toBe('an IPv4-mapped IPv6 address (::ffff:0:0/96)');
    expect(strict.checkAddress('not-an-address')).toBe('not an IP address');
  });

  it('allows loopback only when the policy does, and never a metadata address', () => {
    const loopback = createOutboundGuard({ allowLoopback: true, allowCidrs: [] });
    expect(loopback.checkAddress('127.0.0.1')).toBeUndefined();
    expect(loopback.checkAddress('::1')).toBeUndefined();
    expect(loopback.checkHost('localhost')).toBeUndefined();
    // a mapped or NAT64 form of loopback is not the loopback the setting means
    expect(loopback.checkAddress('::ffff:127.0.0.1')).toBeDefined();
    expect(loopback.checkAddress('64:ff9b::127.0.0.1')).toBeDefined();
    expect(loopback.checkAddress('10.0.0.1')).toBeDefined();
  });

  it('allows the operator allow-list, but not metadata addresses inside it', () => {
    const guard = createOutboundGuard({
      allowLoopback: false,
      allowCidrs: ['10.20.0.0/16', 'fd12:3456::/48', '100.64.0.0/10', '169.254.0.0/16'],
    });
    expect(guard.checkAddress('10.20.1.5')).toBeUndefined();
    expect(guard.checkAddress('fd12:3456::7')).toBeUndefined();
    expect(guard.checkAddress('100.100.1.1')).toBeUndefined();
    expect(guard.checkAddress('169.254.10.10')).toBeUndefined();
    expect(guard.checkAddress('10.21.0.1')).toBe('a private address (RFC 1918)');
    expect(guard.checkAddress('100.100.100.200')).toBe('a cloud metadata service address');
    expect(guard.checkAddress('169.254.169.254')).toBe('a cloud metadata service address');
  });

  it('checks literal hosts, localhost and metadata names without resolving anything', () => {
    expect(strict.checkHost('[::1]')).toBe('a loopback address');
    expect(strict.checkHost('[fd00::1]')).toBe('a unique-local address (fc00::/7)');
    expect(strict.checkHost('localhost')).toBe('a loopback name');
    expect(strict.checkHost('api.LOCALHOST.')).toBe('a loopback name');
    expect(strict.checkHost('Metadata.Google.Internal.')).toBe('a cloud metadata service name');
    expect(strict.checkHost('instance-data')).toBe('a cloud metadata service name');
    expect(strict.checkHost('example.com')).toBeUndefined();
    expect(() => strict.assertHost('169.254.169.254')).toThrow(OutboundTargetRefused);
  });

  describe('lookup (the connect step)', () => {
    const table: Record<string, LookupAddress[]> = {
      'public.test': [{ address: '93.184.216.34', family: 4 }],
      'rebind.test': [{ address: '127.0.0.1', family: 4 }],
      'mixed.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
      'empty.test': [],
    };
    const refused: OutboundTargetRefused[] = [];
    const guard = createOutboundGuard(
      { allowLoopback: false, allowCidrs: [] },
      {
        resolve: async (name) => {
          const found = table[name];
          if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
          return found;
        },
        onRefused: (refusal) => refused.push(refusal),
      },
    );
    const lookup = (g: OutboundGuard, name: string, all: boolean) =>
      new Promise<{ address?: unknown; family?: number }>((resolve, reject) =>
        g.lookup(name, { all }, (error, address, family) => (error ? reject(error) : resolve({ address, family }))),
      );

    it('answers with the resolved addresses in the form asked for', async () => {
      expect(await lookup(guard, 'public.test', false)).toEqual({ address: '93.184.216.34', family: 4 });
      expect(await lookup(guard, 'public.test', true)).toEqual({ address: [{ address: '93.184.216.34', family: 4 }] });
    });

    it('refuses a name that resolves to a refused address, and one that mixes public and private', async () => {
      await expect(lookup(guard, 'rebind.test', false)).rejects.toMatchObject({
        name: 'OutboundTargetRefused',
        code: 'ERR_OUTBOUND_TARGET_REFUSED',
        host: 'rebind.test',
        address: '127.0.0.1',
        message: 'refused to connect to rebind.test (127.0.0.1): a loopback address',
      });
      await expect(lookup(guard, 'mixed.test', true)).rejects.toMatchObject({ address: '10.0.0.7' });
      expect(refused.map((r) => r.host)).toEqual(['rebind.test', 'mixed.test']);
    });

    it('refuses metadata names before resolving them, and passes resolver errors on', async () => {
      await expect(lookup(guard, 'metadata.google.internal', false)).rejects.toBeInstanceOf(OutboundTargetRefused);
      await expect(lookup(guard, 'unknown.test', false)).rejects.toMatchObject({ code: 'ENOTFOUND' });
      await expect(lookup(guard, 'empty.test', false)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    });

    it('resolves with the system resolver by default: localhost is refused by name, its addresses by address', async () => {
      await expect(lookup(strict, 'localhost', false)).rejects.toThrow('a loopback name');
      const loopback = createOutboundGuard({ allowLoopback: true, allowCidrs: [] });
      const { address } = await lookup(loopback, 'localhost', false);
      expect(['127.0.0.1', '::1']).toContain(address);
    });
  });
});
