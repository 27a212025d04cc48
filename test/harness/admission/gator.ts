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
import { profile } from '../../../src/model/registry.js';
import { resolveOptions } from '../../../src/options.js';
import { reasonTexts } from '../engine.js';
import { ensureEngines } from '../engines.js';
import type { GatorMode } from '../gator.js';
import { bundleSpec } from './bundle.js';
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
    const { options, mode } = bundleSpec(dir.config);
    const o = resolveOptions({ ...options, target: 'gatekeeper' });
    const [template, constraint] = compile(o);
    // a violation names its check by the check's reason, which is unique within a level
    const rules = profile(o.level, o.version).rules;
    const reasonOf = new Map(rules.map((r) => [r.check, `^(?:${reasonTexts(r.reason).map(escapeRegex).join('|')})(?: \\(|$)`]));
    if (new Set(reasonOf.values()).size !== rules.length) throw new Error(`${this.id}: two checks share a reason at ${o.level}:${o.version.label}`);
    const work = mkdtempSync(join(tmpdir(), 'pss-gator-verify-'));
    try {
      writeFileSync(join(work, 'template.yaml'), template!.yaml);
      writeFileSync(join(work, 'constraint.yaml'), constraint!.yaml);
      const cases = dir.cases.map((c, i) => {
        writeFileSync(join(work, `case-${i}.json`), asJson({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: c.request }));
        const inventory = c.namespaces.map((n, j) => {
          writeFileSync(join(work, `ns-${i}-${j}.json`), asJson(n));
          return `ns-${i}-${j}.json`;
        });
        const checks = expected[i]!.modes[mode] ?? [];
        return {
          name: `case-${i}`, object: `case-${i}.json`, ...(inventory.length ? { inventory } : {}),
          assertions: [
            { violations: checks.length },
            ...rules.map((r) => ({ violations: checks.includes(r.check) ? 1 : 'no', message: reasonOf.get(r.check) })),
          ],
        };
      });
      writeFileSync(join(work, 'suite.yaml'), JSON.stringify({
        apiVersion: 'test.gatekeeper.sh/v1alpha1', kind: 'Suite',
        tests: [{ name: 'bundle', template: 'template.yaml', constraint: 'constraint.yaml', cases }],
      }));
      const out = await this.verify(work);
      return dir.cases.map((_, i): AdmissionOutcome => {
        const want = expected[i]!;
        const verdict = out.get(`case-${i}`);
        if (verdict === undefined) return { allowed: true, modes: {}, error: 'gator verify reported nothing for this case' };
        if (verdict === 'ok') return { allowed: want.allowed, modes: want.modes[mode] ? { [mode]: want.modes[mode] } : {} };
        return { allowed: want.allowed, modes: {}, mismatch: verdict };
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** `gator verify -v`: each case's "--- PASS" or "--- FAIL" line and the failure text after it */
  private verify(work: string): Promise<Map<string, string>> {
    const { cache } = ensureEngines();
    const args = ['verify', '-v', `--enable-k8s-native-validation=${this.mode === 'cel'}`, work];
    return new Promise((resolve, reject) => {
      execFile(`${cache}/bin/gator`, args, { maxBuffer: 1 << 28, encoding: 'utf8' }, (err, stdout, stderr) => {
        const result = new Map<string, string>();
        const lines = stdout.split('\n');
        lines.forEach((line, n) => {
          const m = /^ {4}--- (PASS|FAIL): (case-\d+)\t/.exec(line);
          if (m) result.set(m[2]!, m[1] === 'PASS' ? 'ok' : (lines[n + 1] ?? '').trim());
        });
        if (result.size === 0) reject(new Error(`gator verify failed: ${(stderr || stdout || String(err)).slice(0, 4000)}`));
        else resolve(result);
      });
    });
  }
}
