// The library graph as rules (docs/architecture.md draws it; STYLE §1, §4, §4b). Run by
// `npm run check:deps` and .ci/run; test/dependency-rules/dependency-rules.spec.ts shows that
// each rule catches a forbidden import.
//
// Paths are resolved: an `@onboard/<lib>` import is the file libs/<lib>/src/index.ts (tsconfig
// paths), `@onboard/<lib>/testing` is libs/<lib>/src/testing/index.ts, and a package import is
// its file under node_modules/.

/** Which libraries each library may import (besides itself and third-party packages). */
const LIBRARY_GRAPH = {
  // What every service shares: logger, clock, random, metrics, outbound HTTP, limits, ApiError.
  platform: [],
  // The MQTT device protocol: bundled into the device client package, so it stands alone.
  'mqtt-contract': [],
  // The head-unit library: a package of its own; only the contract (bundled) and npm packages.
  'device-client': ['mqtt-contract'],
  // CIBA alone.
  'ciba-core': ['platform'],
  // The bridge's protocol logic: never the provider's core.
  'bridge-core': ['platform', 'mqtt-contract'],
  // Hand-written SQL over TypeORM, shared by both stores.
  'sql-kit': ['platform'],
  'provider-store': ['platform', 'sql-kit', 'ciba-core'],
  'bridge-store': ['platform', 'sql-kit', 'bridge-core'],
  // env → typed config; the provider part reads ciba-core's settings types.
  config: ['platform', 'ciba-core'],
  // The one library that may import @nestjs/* (both apps' HTTP glue).
  'nest-http': ['platform'],
  // A software WebAuthn authenticator for tests and the device simulator.
  'soft-authenticator': [],
  // Approval receipts: JWS over the owner's WebAuthn assertion, verified offline.
  receipts: [],
  // The owner app's server side: passkeys, sessions, approvals that commit, notifications.
  'owner-auth': ['platform', 'ciba-core', 'receipts'],
};

/** Spec files and test folders: they may also import testing entry points and soft-authenticator. */
const TEST_CODE = [
  '\\.(spec|e2e-spec)\\.ts$',
  '\\.spec-helper\\.ts$',
  '(^|/)test/',
  '(^|/)testing/',
  '\\.testing\\.ts$',
  '(^|/)testing\\.helper\\.ts$',
];

const BRIDGE_SIDE = '^(apps/mqtt-bridge|libs/(bridge-core|bridge-store|device-client|mqtt-contract))/';

const alternatives = (names) => names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

/** One rule per library: it imports only the libraries LIBRARY_GRAPH lists. */
const graphRules = Object.entries(LIBRARY_GRAPH).map(([lib, allowed]) => ({
  name: `lib-${lib}`,
  comment:
    allowed.length === 0
      ? `libs/${lib} imports no other library of the monorepo (docs/architecture.md).`
      : `libs/${lib} imports only ${allowed.join(', ')} of the monorepo's libraries (docs/architecture.md).`,
  severity: 'error',
  from: { path: `^libs/${lib}/` },
  to: {
    path: '^(libs|apps)/',
    // soft-authenticator has a rule of its own (its specs-only importers).
    pathNot: `^libs/(${alternatives([lib, ...allowed, 'soft-authenticator'])})/`,
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, between libraries or inside one (STYLE: no circular module imports).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves: an @onboard/<lib>/<deep path> does not (tsconfig paths name alias roots only).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'libs-not-to-apps',
      comment: 'Libraries never import apps.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-apart',
      comment: 'The provider and the bridge are apps of their own; only all-in-one composes both.',
      severity: 'error',
      from: { path: '^apps/(ciba-provider|mqtt-bridge)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'nest-only-in-apps-and-nest-http',
      comment: 'Protocol logic is framework-free: only apps/ and libs/nest-http import @nestjs/* (STYLE §1).',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/nest-http/' },
      to: { path: '(^|/)node_modules/@nestjs/' },
    },
    {
      name: 'no-deep-imports',
      comment:
        'A library is imported through its alias root (@onboard/<lib>, its src/index.ts), never by a path into it (STYLE §4).',
      severity: 'error',
      from: { path: '^(libs/([^/]+)|apps|test|device-sim)/' },
      to: {
        path: '^libs/[^/]+/',
        pathNot: [
          '^libs/$2/',
          '^libs/[^/]+/src/index\\.ts$',
          '^libs/[^/]+/src/testing/index\\.ts$',
          '^libs/platform/src/tls/index\\.ts$',
        ],
      },
    },
    {
      name: 'testing-entry-points-from-tests-only',
      comment:
        "A library's testing entry point (@onboard/<lib>/testing: contract suites, test databases) is for specs and test code only.",
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: TEST_CODE },
      to: { path: '^libs/[^/]+/src/testing/' },
    },
    {
      name: 'bridge-side-not-to-provider',
      comment:
        'The bridge side (apps/mqtt-bridge, bridge-core, bridge-store, device-client, mqtt-contract) never imports the provider core or its store.',
      severity: 'error',
      from: { path: BRIDGE_SIDE },
      to: { path: '^libs/(ciba-core|provider-store)/' },
    },
    {
      name: 'bridge-libs-never-reach-provider',
      comment:
        'Not even through another library: the bridge-side libraries and the bridge part of config stay clear of ciba-core and provider-store.',
      severity: 'error',
      from: {
        path: ['^libs/(bridge-core|bridge-store|device-client|mqtt-contract)/', '^libs/config/src/bridge-config\\.ts$'],
      },
      to: { path: '^libs/(ciba-core|provider-store)/', reachable: true },
    },
    {
      name: 'owner-app-is-a-client',
      comment: 'The owner app runs in the browser and is a client of the documented API (STYLE §25): no server code.',
      severity: 'error',
      from: { path: '^apps/owner-app/' },
      to: { path: '^(libs|apps)/', pathNot: '^apps/owner-app/' },
    },
    {
      name: 'device-sim-starts-onboard-through-all-in-one',
      comment:
        'The device simulator drives Onboard through its public interfaces; of the apps it imports only the all-in-one start (for the embedded target).',
      severity: 'error',
      from: { path: '^device-sim/' },
      to: { path: '^apps/', pathNot: '^apps/all-in-one/src/start-all-in-one\\.ts$' },
    },
    {
      name: 'nothing-imports-device-sim',
      comment: 'The simulator is a tool on top of Onboard: no app, library, test or benchmark depends on it.',
      severity: 'error',
      from: { path: '^(apps|libs|test|bench)/' },
      to: { path: '^device-sim/' },
    },
    {
      name: 'soft-authenticator-from-tests-only',
      comment: 'The test authenticator is for specs, test/, bench/ and device-sim/ only, never production code.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['^libs/soft-authenticator/', ...TEST_CODE] },
      to: { path: '^libs/soft-authenticator/' },
    },
    ...graphRules,
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)(dist|coverage|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'import', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
