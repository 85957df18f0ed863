import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One vitest run covers unit tests beside the code (packages/*, apps/*) and the
// cross-process tests in test/. Tests import the built dist of other packages
// (`pnpm test` builds first), and worker threads load compiled JavaScript.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // GENSWAP_VITEST_REPORT: where the JSON report goes (.ci/run's second run, on Node 24, keeps its own).
    reporters: ['default', ['json', { outputFile: process.env.GENSWAP_VITEST_REPORT ?? 'node_modules/.cache/genswap/vitest-report.json' }]],
  },
});
