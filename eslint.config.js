import tseslint from 'typescript-eslint'

const stageImportBan = (message) => ({
  patterns: [
    { group: ['**/store/**', '**/api/**', '**/cli/**', '**/config/**'], message },
    { group: ['node:*'], message },
  ],
})

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'web/dist/**', 'bin/**', '*.config.*'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'error',
    },
  },
  { files: ['src/cli/**', 'bench/**', 'test-support/**'], rules: { 'no-console': 'off' } },
  {
    files: ['src/**/*.test.ts', 'bench/**', 'test-support/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*'], message: 'core imports nothing of ours' }] },
      ],
    },
  },
  {
    files: ['src/numeric/**'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        stageImportBan('numeric/ is pure: no store, api, cli, config or node:*'),
      ],
    },
  },
)
