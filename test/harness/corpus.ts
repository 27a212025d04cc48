// The upstream fixture corpus: <level>/v1.<minor>/<pass|fail>/<checkid><n>.yaml,
// read from the pinned module in the Go module cache.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusFixture {
  level: 'baseline' | 'restricted';
  version: string;
  expect: 'pass' | 'fail';
  /** lower-cased check ID the fixture was generated for ("base" for the minimal pods) */
  check: string;
  path: string;
}

export function listCorpus(corpusDir: string): CorpusFixture[] {
  const fixtures: CorpusFixture[] = [];
  for (const level of ['baseline', 'restricted'] as const) {
    const versions = readdirSync(join(corpusDir, level)).filter((v) => /^v1\.\d+$/.test(v));
    versions.sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
    for (const version of versions) {
      for (const expect of ['pass', 'fail'] as const) {
        const dir = join(corpusDir, level, version, expect);
        for (const file of readdirSync(dir).sort()) {
          if (!file.endsWith('.yaml')) continue;
          fixtures.push({ level, version, expect, check: file.replace(/\d*\.yaml$/, ''), path: join(dir, file) });
        }
      }
    }
  }
  return fixtures;
}

/** The check a fail fixture must be denied by: its own, or the restricted check replacing it at that version. */
export function expectedCheck(f: CorpusFixture, checkIds: readonly string[], overriding: (id: string, minor: number) => string | undefined): string | undefined {
  const check = checkIds.find((id) => id.toLowerCase() === f.check);
  if (!check) return undefined;
  return f.level === 'restricted' ? overriding(check, Number(f.version.slice(3))) ?? check : check;
}
