// Lint: typescript-eslint's recommended rules, plus the layers of DESIGN.md ("Layers: imports point down
// only"), enforced with no-restricted-imports:
//   - only src/storage talks to pg / PGlite; only src/ui renders with ink / react;
//   - the adapters (src/cli, src/ui) never import storage: the CLI goes through src/app/operations, the
//     console only sees core's ConsoleApi;
//   - src/ui imports nothing but src/core and itself, and nothing outside src/ui imports it except the
//     console adapter (src/cli/console.ts);
//   - no layer reaches up: core imports nothing of ours, storage and providers only core, the domain
//     layers (pipeline, ops, jobs) never import app/, cli/ or the composition root.
// A flat config's later block replaces an earlier block's rule for the files it matches, so each layer's
// block lists every restriction that applies to it (see `rules()` below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const storageOnly = ['pg', 'pgvector', 'pgvector/*', '@electric-sql/pglite', '@electric-sql/pglite/*', '@electric-sql/pglite-pgvector'];
const uiOnly = ['ink', 'react', 'react/*', 'ink-testing-library'];
const restrict = (names, message) => names.map((name) => ({ group: [name], message }));
/** A restriction on our own modules, by the directory (or file) an import path reaches. */
const layer = (regex, message) => ({ regex, message, caseSensitive: true });

const DRIVERS = restrict(storageOnly, 'only src/storage may import the database drivers');
const INK = restrict(uiOnly, 'only src/ui may import ink / react');
const NO_STORAGE = layer('(^|/)storage/', 'adapters never import storage: call an operation in src/app/operations (DESIGN.md, Layers)');
const NO_UI = layer('(^|/)ui/', 'only the console adapter (src/cli/console.ts) imports src/ui');
const NO_UP = (what) => layer('(^|/)(app|cli)/', `${what} must not import the app, the CLI or the composition root (imports point down only)`);
/** Any of our layers but the ones named, by directory (the composition root lives in src/app/). */
const OTHER_LAYERS = (...allowed) =>
  `(^|/)(${['storage', 'pipeline', 'ops', 'jobs', 'providers', 'app', 'cli', 'ui'].filter((d) => !allowed.includes(d)).join('|')})/`;
const ONLY_CORE = (what, self) => layer(OTHER_LAYERS(self), `${what} imports only src/core (and itself)`);

/**
 * no-restricted-imports for static imports, and the same layer regexes for dynamic `import()` (which
 * no-restricted-imports does not see, and the CLI loads most modules that way).
 */
const rules = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
  'no-restricted-syntax': [
    'error',
    ...patterns
      .filter((p) => p.regex)
      .map((p) => ({ selector: `ImportExpression[source.value=/${p.regex.replace(/\//g, '\\/')}/]`, message: p.message })),
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '.cache/**'] },
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
  // the composition root and the operations module: anything below, never the adapters' screens
  { files: ['src/**/*.ts', 'src/**/*.tsx'], rules: rules(...DRIVERS, ...INK, NO_UI) },
  { files: ['src/cli/**'], rules: rules(...DRIVERS, ...INK, NO_STORAGE, NO_UI) },
  { files: ['src/cli/console.ts'], rules: rules(...DRIVERS, ...INK, NO_STORAGE) },
  { files: ['src/ui/**'], rules: rules(...DRIVERS, ONLY_CORE('src/ui', 'ui')) },
  { files: ['src/pipeline/**', 'src/ops/**', 'src/jobs/**'], rules: rules(...DRIVERS, ...INK, NO_UI, NO_UP('a domain layer')) },
  { files: ['src/providers/**'], rules: rules(...DRIVERS, ...INK, NO_UI, NO_UP('src/providers'), layer('(^|/)(storage|pipeline|ops|jobs)/', 'src/providers imports only src/core')) },
  { files: ['src/storage/**'], rules: rules(...INK, ONLY_CORE('src/storage', 'storage')) },
  { files: ['src/core/**'], rules: rules(...DRIVERS, ...INK, layer('^\\.\\./', 'src/core imports nothing else of ours')) },
);
