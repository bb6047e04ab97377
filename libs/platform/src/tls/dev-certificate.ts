import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import { networkInterfaces, hostname } from 'node:os';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Leaf lifetime: Apple platforms refuse TLS server certificates valid for more than 398 days. */
export const DEV_LEAF_DAYS = 397;
/** The development CA's lifetime: installed once on a phone, kept for years. */
export const DEV_CA_DAYS = 3650;

/** A certificate and its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** What {@link issueDevCertificate} made: the CA (new or reused) and the server certificate. */
export interface DevCertificate {
  ca: PemPair;
  server: PemPair;
  /** The DNS names and IP addresses the server certificate holds (subjectAltName). */
  names: { dns: string[]; ip: string[] };
}

/** Options of {@link issueDevCertificate}. */
export interface DevCertificateOptions {
  /** DNS names and IP literals the certificate is for (default: {@link defaultDevNames}). */
  names?: string[];
  /** A development CA made before (so a phone that trusts it keeps trusting); default: a new one. */
  ca?: PemPair;
  /** Issue time (tests); default now. */
  now?: Date;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const DNS_NAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i;

/**
 * The names a phone on this machine's network can reach it by: `localhost`, the loopback
 * addresses, `<hostname>.local` (mDNS), and for each LAN IPv4 address the address itself and
 * its `sslip.io` name (`192-168-1-20.sslip.io`, public DNS answering with that address). WebAuthn
 * needs a domain as RP ID, never an IP literal, so the sslip.io name is the one to use as issuer.
 */
export function defaultDevNames(): string[] {
  const lan = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  const host = hostname().split('.')[0].toLowerCase();
  return [
    'localhost',
    '127.0.0.1',
    '::1',
    ...(DNS_NAME.test(`${host}.local`) ? [`${host}.local`] : []),
    ...lan.flatMap((ip) => [ip, sslipName(ip)]),
  ];
}

/** `192.168.1.20` → `192-168-1-20.sslip.io`. */
export function sslipName(ipv4: string): string {
  return `${ipv4.replace(/\./g, '-')}.sslip.io`;
}

/** Split names into DNS names and IP literals; throws naming a value that is neither. */
export function classifyNames(names: string[]): { dns: string[]; ip: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (IPV4.test(name) || name.includes(':')) ip.push(name);
    else if (DNS_NAME.test(name)) dns.push(name);
    else throw new Error(`'${raw}' is neither a DNS name nor an IP address`);
  }
  if (dns.length + ip.length === 0) throw new Error('a certificate needs at least one name');
  return { dns: [...new Set(dns)], ip: [...new Set(ip)] };
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

function fromPem(pem: string): ArrayBuffer {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const bytes = Buffer.from(b64, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

const serial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '7');

async function newCa(now: Date): Promise<{ pair: PemPair; cert: x509.X509Certificate; key: CryptoKey }> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Onboard development CA (${hostname()}), O=Onboard development`,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + DEV_CA_DAYS * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { pair: { certPem: cert.toString('pem') + '\n', keyPem }, cert, key: keys.privateKey };
}

async function loadCa(pair: PemPair): Promise<{ pair: PemPair; cert: x509.X509Certificate; key: CryptoKey }> {
  const cert = new x509.X509Certificate(pair.certPem);
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) throw new Error('the given CA certificate is not a CA (basicConstraints cA is not set)');
  const key = await webcrypto.subtle.importKey('pkcs8', fromPem(pair.keyPem), ALGORITHM, false, ['sign']);
  return { pair, cert, key };
}

/**
 * A TLS server certificate for development on a local network, issued by a development CA
 * (ECDSA P-256): install the CA on a phone once, and the phone trusts the provider's HTTPS,
 * which WebAuthn needs (a secure context, an RP ID that is a domain). The server certificate
 * holds the given names as subjectAltName (serverAuth, 397 days); pass the CA of an earlier
 * run to keep the phone's trust. Never for production: the CA key can sign any name.
 *
 * @example
 * const { ca, server } = await issueDevCertificate({ names: ['localhost', '192-168-1-20.sslip.io'] });
 */
export async function issueDevCertificate(options: DevCertificateOptions = {}): Promise<DevCertificate> {
  const now = options.now ?? new Date();
  const names = classifyNames(options.names ?? defaultDevNames());
  const ca = options.ca ? await loadCa(options.ca) : await newCa(now);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names.dns[0] ?? names.ip[0]}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(Math.min(now.getTime() + DEV_LEAF_DAYS * DAY_MS, ca.cert.notAfter.getTime())),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ip.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const server = {
    certPem: cert.toString('pem') + '\n',
    keyPem: toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
  };
  // Node's own parser must accept what was made (the listener loads it with the same code).
  if (!new X509Certificate(server.certPem).verify(new X509Certificate(ca.pair.certPem).publicKey)) {
    throw new Error('the server certificate does not verify under the CA');
  }
  return { ca: ca.pair, server, names };
}
