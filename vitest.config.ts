import { defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/engines.ts'],
    // the first run builds the engines from source (minutes on a fresh machine)
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: 'forks',
    // two suites at a time even on 2 cores (vitest's default is cores - 1): much of
    // a suite's time is one engine process, so a second suite fills the other core
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
