import { defineConfig } from 'vitest/config';

// Unit tests run in Node against real HTTP servers on loopback; no browser is needed.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.spec.ts'],
    testTimeout: 10000
  }
});
