// ESLint flat config. Besides style, it enforces the layering rules of the
// architecture: libs/ never import @nestjs/*, and libraries are imported only
// through their alias root (@onboard/<lib>), never by deep path. The test
// authenticator (@onboard/soft-authenticator) imports no other library, and no
// production code imports it (specs, test/, bench/ and device-sim/ may). The
// owner app (apps/owner-app) imports no server code at all.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const deepImports = {
  group: ['@onboard/*/*', '**/libs/*/src/*', '**/libs/*/src/**'],
  message: 'Import libraries through their alias root (@onboard/<lib>), never by deep path.',
};
const libPatterns = [
  { group: ['@nestjs/*'], message: 'libs/ is framework-free: no @nestjs/* imports (STYLE §1).' },
  { group: ['@onboard/*/*'], message: deepImports.message },
  { group: ['**/apps/**'], message: 'libs/ never import from apps/.' },
];
const softAuthenticator = {
  group: ['@onboard/soft-authenticator'],
  message: 'The test authenticator is for specs, test/, bench/ and device-sim/ only, never production code.',
};
const testFiles = ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.spec-helper.ts'];

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'bench/results/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: libPatterns }] },
  },
  {
    files: ['apps/**/*.ts'],
    ignores: testFiles,
    rules: { 'no-restricted-imports': ['error', { patterns: [deepImports, softAuthenticator] }] },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: [...testFiles, 'libs/soft-authenticator/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...libPatterns, softAuthenticator] }] },
  },
  {
    // The owner app is a thin client of the documented owner-device API (STYLE §25):
    // it runs in the browser and imports no server code.
    files: ['apps/owner-app/**/*.{ts,tsx,mts}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@onboard/*', '**/libs/**', '**/ciba-provider/**', '**/mqtt-bridge/**', '**/all-in-one/**'],
              message: 'The owner app imports no server code: it is a client of the documented API (STYLE §25).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/soft-authenticator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...libPatterns,
            { group: ['@onboard/*', '**/libs/**'], message: 'soft-authenticator imports no other library.' },
          ],
        },
      ],
    },
  },
);
