import { defineConfig } from 'vitest/config';

const packages = ['schema', 'core', 'exporter-file', 'cli'];

export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      ...packages.map((name) => ({
        test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'], testTimeout: 30_000 },
      })),
      {
        test: { name: 'examples', root: 'examples', include: ['*/test/**/*.test.ts'], testTimeout: 300_000 },
      },
      { test: { name: 'integration', root: 'test', include: ['**/*.test.ts'], testTimeout: 120_000 } },
    ],
  },
});
