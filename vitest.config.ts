import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'runtimes/**/*.test.ts', 'test/repo/**/*.test.ts', 'bench/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/helpers/global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        // The examples' suites, run as a user runs them (vitest's defaults, the timeouts they set
        // themselves), except that `lambdock` is this checkout's source (a user installs the package). Like
        // the integration files they run one file at a time (vitest puts both projects' files in one
        // sequential group), so one suite drives the Docker engine at once.
        resolve: { alias: [{ find: /^lambdock$/, replacement: path.join(import.meta.dirname, 'src', 'index.ts') }] },
        test: {
          name: 'examples',
          include: ['examples/**/*.test.ts'],
          fileParallelism: false,
          // `npm run images` built the runtime images (the integration project checks them): not again here.
          env: { LAMBDOCK_BUILD_IMAGES: 'false' },
        },
      },
    ],
  },
});
