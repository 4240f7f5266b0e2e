// Lint: typescript-eslint's recommended rules, plus the layer boundaries of DESIGN.md:
// only src/storage talks to pg / PGlite, only src/ui renders with ink / react.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const storageOnly = ['pg', 'pgvector', 'pgvector/*', '@electric-sql/pglite', '@electric-sql/pglite/*', '@electric-sql/pglite-pgvector'];
const uiOnly = ['ink', 'react', 'react/*', 'ink-testing-library'];
const restrict = (names, message) => names.map((name) => ({ group: [name], message }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', performance: 'readonly' },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/storage/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: restrict(storageOnly, 'only src/storage may import the database drivers') }],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/ui/**', 'src/storage/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...restrict(storageOnly, 'only src/storage may import the database drivers'),
            ...restrict(uiOnly, 'only src/ui may import ink / react'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/storage/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: restrict(uiOnly, 'only src/ui may import ink / react') }] },
  },
);
