import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ (run by the CLI tests) is built once, before any test file starts.
    globalSetup: ['test/setup/build.ts'],
    // Load tests start real servers and sockets; keep two files at a time on a 2-core machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
