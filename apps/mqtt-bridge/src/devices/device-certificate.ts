import { X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';

import type { PresentedCertificate } from '@onboard/bridge-core';

export type { PresentedCertificate };

/** How a certificate identified a device. */
export type CertificateMatch = 'registered_key' | 'device_ca';

/**
 * Policy hook "authenticate a device" for mutual TLS (STYLE §13), run at CONNECT when the device
 * sent a client certificate and no password. The TLS handshake already proved that the device
 * holds the certificate's private key (TLS 1.3 §4.4.3 CertificateVerify). The certificate
 * identifies `deviceId` when it is within its validity period and either
 * - its public key is the device's registered signing key (a self-signed certificate will do), or
 * - its subject CN is the device id and its chain was verified against the device CA.
 * Returns how it matched, or undefined.
 *
 * @example
 * certificateIdentifiesDevice({ raw, authorized: false }, 'hu-7f3a', record.publicJwks, Date.now()); // 'registered_key'
 */
export function certificateIdentifiesDevice(
  certificate: PresentedCertificate,
  deviceId: string,
  publicJwks: readonly JWK[],
  now: number,
): CertificateMatch | undefined {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certificate.raw);
  } catch {
    return undefined;
  }
  if (now < Date.parse(x509.validFrom) || now > Date.parse(x509.validTo)) return undefined;
  if (certificate.authorized && commonName(x509.subject) === deviceId) return 'device_ca';
  let key: JWK;
  try {
    key = x509.publicKey.export({ format: 'jwk' }) as JWK;
  } catch {
    return undefined;
  }
  const matches = publicJwks.some(
    (jwk) =>
      (jwk.use === undefined || jwk.use === 'sig') &&
      jwk.kty === key.kty &&
      jwk.crv === key.crv &&
      jwk.x === key.x &&
      (key.kty !== 'EC' || jwk.y === key.y),
  );
  return matches ? 'registered_key' : undefined;
}

/** The CN of an X.509 subject as Node prints it (`CN=hu-7f3a\nO=Fleet`); undefined when absent or repeated. */
function commonName(subject: string): string | undefined {
  const values = subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
  return values.length === 1 ? values[0] : undefined;
}
