import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'bin/', '.tap/', 'eslint.config.js', '.dependency-cruiser.cjs']),
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // tap awaits its own subtests: the promise t.test() returns may float.
          allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Ports are async so adapters are interchangeable; a synchronous adapter (SQLite) has no await.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
