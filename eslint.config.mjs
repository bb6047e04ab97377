// ESLint flat config. Besides style, it enforces the layering rules of the
// architecture: libs/ never import @nestjs/*, and libraries are imported only
// through their alias root (@onboard/<lib>), never by deep path.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const deepImports = {
  group: ['@onboard/*/*', '**/libs/*/src/*', '**/libs/*/src/**'],
  message: 'Import libraries through their alias root (@onboard/<lib>), never by deep path.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'bench/results/**', '**/*.mjs', '**/*.js'] },
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
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*'], message: 'libs/ is framework-free: no @nestjs/* imports (STYLE §1).' },
            { group: ['@onboard/*/*'], message: deepImports.message },
            { group: ['**/apps/**'], message: 'libs/ never import from apps/.' },
          ],
        },
      ],
    },
  },
);
