// @onboard/platform/tls: development TLS certificates (`npm run dev-cert`). An entry point of its
// own because it loads an X.509 library the apps do not need at run time.
export * from './dev-certificate';
