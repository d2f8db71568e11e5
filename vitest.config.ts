import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Every package under packages/ is a project named after its folder, so a new package needs no edit here.
const packages = readdirSync(new URL('./packages/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

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
