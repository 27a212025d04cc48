// Admission engines `gator-rego` and `gator-cel`: the bundle's ConstraintTemplate
// and Constraint in Gatekeeper's own `gator verify`, the gator command that
// reviews an AdmissionReview as the webhook does (operation, userInfo,
// subResource, oldObject, and the Constraint's match against the request's
// object and the namespaces given as inventory). `gator test` does not: it
// reviews an AdmissionReview as a plain object.
//
// gator verify checks assertions, so each case asserts upstream's outcome in
// the bundle's mode: the number of violations, and for every check of the
// level whether a violation with that check's reason is there. gator reports
// the first assertion that does not hold; that is the difference.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../../src/compile.js';
import { reasonTexts } from '../engine.js';
import { ensureEngines } from '../engines.js';
import type { GatorMode } from '../gator.js';
import { bundleFor, subjectOf } from './bundle.js';
import type { CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
/** JSON that gator's YAML reader takes back exactly: the characters YAML forbids are escaped too */
const asJson = (doc: unknown): string =>
  JSON.stringify(doc).replace(/[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export class GatorAdmissionEngine implements AdmissionEngine {
  readonly id: string;
  constructor(private readonly mode: GatorMode) {
    this.id = `gator-${mode}`;
  }

  async evaluate(dir: CaseDir, expected: readonly AdmissionOutcome[]): Promise<AdmissionOutcome[]> {
    const bundle = bundleFor(dir.config, { target: 'gatekeeper' });
    const docs = compile(bundle.options);
    const work = mkdtempSync(join(tmpdir(), 'pss-gator-verify-'));
    try {
      const cases = dir.cases.map((c, i) => {
        writeFileSync(join(work, `case-${i}.json`), asJson({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: c.request }));
        const inventory = c.namespaces.map((n, j) => {
          writeFileSync(join(work, `ns-${i}-${j}.json`), asJson(n));
          return `ns-${i}-${j}.json`;
        });
        return { name: `case-${i}`, object: `case-${i}.json`, ...(inventory.length ? { inventory } : {}) };
      });
      // one test per unit: its template and constraint, every case asserting upstream's outcome in the unit's mode
      const tests = bundle.units.map((u, n) => {
        const [template, constraint] = docs.slice(2 * n, 2 * n + 2);
        if (!constraint?.yaml.includes(`name: ${JSON.stringify(u.name)}`)) throw new Error(`${this.id}: documents out of unit order at ${u.name}`);
        writeFileSync(join(work, `template-${n}.yaml`), template!.yaml);
        writeFileSync(join(work, `constraint-${n}.yaml`), constraint.yaml);
        // a violation names its check by the check's reason, which is unique within a level
        const rules = u.profile.rules;
        const reasonOf = new Map(rules.map((r) => [r.check,
          `^${escapeRegex(u.messagePrefix)}(?:${reasonTexts(r.reason).map(escapeRegex).join('|')})(?: \\(|$)`]));
        if (new Set(reasonOf.values()).size !== rules.length) throw new Error(`${this.id}: two checks share a reason at ${u.levelVersion}`);
        return {
          name: u.name, template: `template-${n}.yaml`, constraint: `constraint-${n}.yaml`,
          cases: cases.map((c, i) => {
            const checks = subjectOf(dir.cases[i]!.request) === u.subject ? expected[i]!.modes[u.mode] ?? [] : [];
            return {
              ...c,
              assertions: [
                { violations: checks.length },
                ...rules.map((r) => ({ violations: checks.includes(r.check) ? 1 : 'no', message: reasonOf.get(r.check) })),
              ],
            };
          }),
        };
      });
      if (tests.length === 0) return dir.cases.map(() => ({ allowed: true, modes: {} }));
      writeFileSync(join(work, 'suite.yaml'), JSON.stringify({ apiVersion: 'test.gatekeeper.sh/v1alpha1', kind: 'Suite', tests }));
      const out = await this.verify(work);
      return dir.cases.map((_, i): AdmissionOutcome => {
        const want = expected[i]!;
        const verdicts = tests.map((t) => [t.name, out.get(`${t.name}/case-${i}`)] as const);
        const missing = verdicts.find(([, v]) => v === undefined);
        if (missing) return { allowed: true, modes: {}, error: `gator verify reported nothing for this case in ${missing[0]}` };
        const failed = verdicts.find(([, v]) => v !== 'ok');
        if (failed) return { allowed: want.allowed, modes: {}, mismatch: `${failed[0]}: ${failed[1]}` };
        return { allowed: want.allowed, modes: want.modes };
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * `gator verify -v`: each case's "--- PASS" or "--- FAIL" line and the failure
   * text after it, keyed `<test>/<case>`; a test's own line follows its cases'.
   */
  private verify(work: string): Promise<Map<string, string>> {
    const { cache } = ensureEngines();
    const args = ['verify', '-v', `--enable-k8s-native-validation=${this.mode === 'cel'}`, work];
    return new Promise((resolve, reject) => {
      execFile(`${cache}/bin/gator`, args, { maxBuffer: 1 << 28, encoding: 'utf8' }, (err, stdout, stderr) => {
        const result = new Map<string, string>();
        const lines = stdout.split('\n');
        let pending: [string, string][] = [];
        lines.forEach((line, n) => {
          const m = /^ *--- (PASS|FAIL): (\S+)\t/.exec(line);
          if (!m) return;
          if (/^case-\d+$/.test(m[2]!)) pending.push([m[2]!, m[1] === 'PASS' ? 'ok' : (lines[n + 1] ?? '').trim()]);
          else {
            for (const [c, v] of pending) result.set(`${m[2]}/${c}`, v);
            pending = [];
          }
        });
        if (result.size === 0) reject(new Error(`gator verify failed: ${(stderr || stdout || String(err)).slice(0, 4000)}`));
        else resolve(result);
      });
    });
  }
}
