// Admission parity: every case directory under test/fixtures/admission (a
// PodSecurityConfiguration and AdmissionReview files) through upstream's own
// admission code and through every engine, fed whole requests.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';
import { findCaseDirs, loadCaseDir } from './harness/admission/cases.js';
import { compareAdmission } from './harness/admission/compare.js';
import { ADMISSION_ENGINES } from './harness/admission/registry.js';
import { admissionSummary } from './harness/admission/report.js';
import { IGNORED_POD_SUBRESOURCES } from '../src/model/admission.js';

const dirs = findCaseDirs([join(ROOT, 'test/fixtures/admission')]).map((d) => loadCaseDir(d, ROOT));
const engines = Object.entries(ADMISSION_ENGINES)
  .filter(([id]) => !process.env.PSS_TEST_ENGINES || process.env.PSS_TEST_ENGINES.split(',').includes(id));

describe('admission cases', async () => {
  const cases = dirs.flatMap((d) => d.cases);
  const { oracle } = await compareAdmission(dirs, []);
  const outcomes = Object.values(oracle);

  it('cover every branch of PSA\'s pod admission', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const ops = new Set(cases.map((c) => c.request.operation));
    expect([...ops].sort()).toEqual(['CONNECT', 'CREATE', 'DELETE', 'UPDATE']);
    const subs = new Set(cases.map((c) => c.request.subResource ?? ''));
    for (const s of [...IGNORED_POD_SUBRESOURCES, 'ephemeralcontainers', 'resize']) expect(subs).toContain(s);
    // upstream both allows and denies, updates are both skipped and evaluated, and each exemption kind is hit
    expect(outcomes.some((o) => o.allowed) && outcomes.some((o) => !o.allowed)).toBe(true);
    const exempt = new Set(outcomes.map((o) => o.auditAnnotations?.exempt).filter(Boolean));
    expect([...exempt].sort()).toEqual(['namespace', 'runtimeClass', 'user']);
    const updates = cases.map((c, i) => [c, outcomes[i]!] as const).filter(([c]) => c.request.operation === 'UPDATE' && !c.request.subResource);
    expect(updates.some(([, o]) => !o.allowed)).toBe(true);
    expect(updates.some(([, o]) => o.allowed && !o.auditAnnotations?.['enforce-policy'] && !o.auditAnnotations?.exempt)).toBe(true);
    expect(outcomes.some((o) => o.warnings?.length)).toBe(true);
    expect(outcomes.some((o) => o.auditAnnotations?.['audit-violations'] && o.allowed)).toBe(true);
  });

  describe.each(engines)('through %s', async (id, make) => {
    const result = await compareAdmission(dirs, [make()]);
    const report = result.engines[0]!;
    it('decides every case as upstream\'s admission plugin does, with the same checks per mode', () => {
      console.log(admissionSummary(result));
      expect(report.cases).toBe(cases.length);
      expect(report.diffs).toEqual([]);
    });
    it('never denies an update that upstream allows', () => {
      const falseAlarms = report.diffs.filter((d) => d.expected.allowed && !d.actual.allowed);
      expect(falseAlarms).toEqual([]);
      expect(report.agreements).toBe(cases.length);
    });
  });
});
