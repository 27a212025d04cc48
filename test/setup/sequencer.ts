// Runs the longest suites first, so that on a fresh clone (no timing cache) the
// two workers stay busy to the end instead of one finishing a long suite alone.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LONGEST_FIRST = ['fuzz', 'reference', 'corpus', 'admission', 'workloads', 'namespace-labels', 'vap', 'conformance-command'];

const rank = (spec: TestSpecification): number => {
  const name = /([^/]+)\.test\.ts$/.exec(spec.moduleId)?.[1] ?? '';
  const i = LONGEST_FIRST.indexOf(name);
  return i < 0 ? LONGEST_FIRST.length : i;
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
