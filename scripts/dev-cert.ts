// npm run dev-cert: a development CA and an HTTPS certificate for this machine's names, so a
// phone on the same network can enrol a passkey (README "Enrol a real phone over HTTPS").
//   npm run dev-cert -- [--dir data/tls] [--name host.example]... [--new-ca]
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDevNames, issueDevCertificate } from '../libs/platform/src/tls';

const HELP = `usage: npm run dev-cert -- [--dir DIR] [--name NAME]... [--new-ca]

Writes to DIR (default data/tls):
  ca.crt       the development CA: install it on the phone once (keep it across runs)
  ca-key.pem   the CA's private key (0600; never share it)
  cert.pem     the server certificate for NAMEs (default: localhost, this host's .local name,
               and each LAN address with its sslip.io name), valid 397 days
  key.pem      its private key (0600)
An existing CA in DIR is reused unless --new-ca, so a phone that trusts it keeps trusting.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: 'data/tls' },
      name: { type: 'string', multiple: true },
      'new-ca': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const dir = values.dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.crt');
  const caKeyFile = join(dir, 'ca-key.pem');
  const reuse = !values['new-ca'] && existsSync(caFile) && existsSync(caKeyFile);
  const made = await issueDevCertificate({
    names: values.name?.length ? values.name : defaultDevNames(),
    ...(reuse ? { ca: { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8') } } : {}),
  });
  const write = (file: string, text: string, secret: boolean) => {
    writeFileSync(file, text, { mode: secret ? 0o600 : 0o644 });
    chmodSync(file, secret ? 0o600 : 0o644);
  };
  if (!reuse) {
    write(caFile, made.ca.certPem, false);
    write(caKeyFile, made.ca.keyPem, true);
  }
  write(join(dir, 'cert.pem'), made.server.certPem, false);
  write(join(dir, 'key.pem'), made.server.keyPem, true);

  const rel = (file: string) => relative(process.cwd(), join(dir, file)) || file;
  const phoneName = made.names.dns.find((n) => n.endsWith('.sslip.io')) ?? made.names.dns[0] ?? 'localhost';
  process.stdout.write(
    [
      `${reuse ? 'reused the development CA' : 'new development CA'}: ${rel('ca.crt')}`,
      `server certificate: ${rel('cert.pem')} (key ${rel('key.pem')}) for`,
      `  ${[...made.names.dns, ...made.names.ip].join(', ')}`,
      '',
      'Start Onboard on HTTPS, reachable from the network:',
      `  TLS_CERT_FILE=${rel('cert.pem')} TLS_KEY_FILE=${rel('key.pem')} HOST=0.0.0.0 \\`,
      `  ISSUER=https://${phoneName}:4000 npm start`,
      '',
      `Install ${rel('ca.crt')} on the phone once (README "Enrol a real phone over HTTPS"),`,
      `then open the invitation link (npm run admin -- owners invite <sub>) on it.`,
      '',
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`dev-cert: ${(error as Error).message}\n\n${HELP}`);
    process.exitCode = 1;
  },
);
