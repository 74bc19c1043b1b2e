// `npm run lint`: typescript-eslint's recommended rules over the sources, tests, benchmarks and scripts.
// Formatting is prettier's job (`npm run format:check`), not the linter's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'reports/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // The TypeScript compiler knows every global and module binding; this rule does not.
      'no-undef': 'off',
      // Hostile-input checks match control characters on purpose.
      'no-control-regex': 'off',
      // A leading underscore marks what is left out on purpose (`const { source: _source, ...rest }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Migrations and the connection speak Kysely<any>: a migration must not depend on today's table types.
    files: ['src/storage/database.ts', 'src/storage/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read JSON answers loosely; what they assert is checked by expect().
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // No test measures wall time: shared CI machines slow down several times under load. Growth is
      // checked by operation counts or by CPU time of n against 8n in one test (process.cpuUsage).
      'no-restricted-properties': [
        'error',
        {
          object: 'performance',
          property: 'now',
          message: 'Tests do not measure wall time; count operations or compare CPU time of n and 8n.',
        },
        {
          object: 'process',
          property: 'hrtime',
          message: 'Tests do not measure wall time; count operations or compare CPU time of n and 8n.',
        },
      ],
    },
  },
);
