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
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Document } from '../../../src/bundle.js';
import { compile } from '../../../src/compile.js';
import type { PlanUnit } from '../../../src/rules/plan.js';
import { ensureEngines } from '../engines.js';
import type { GatorMode } from '../gator.js';
import { bundleFor, expectedPrefix, subjectOf, unitReasons, type Bundle } from './bundle.js';
import type { CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';
import type { OracleOutcome } from './oracle.js';

/** Any mode's PSA prefix, where the level and version are not known in advance */
const ANY_PREFIX = '(?:violates|would violate) PodSecurity "[^"]*": ';

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
/** JSON that gator's YAML reader takes back exactly: the characters YAML forbids are escaped too */
const asJson = (doc: unknown): string =>
  JSON.stringify(doc).replace(/[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export class GatorAdmissionEngine implements AdmissionEngine {
  readonly id: string;
  constructor(private readonly mode: GatorMode) {
    this.id = `gator-${mode}`;
  }

  async evaluate(dir: CaseDir, expected: readonly (AdmissionOutcome & Partial<Pick<OracleOutcome, 'raw'>>)[]): Promise<AdmissionOutcome[]> {
    const bundle = bundleFor(dir, { target: 'gatekeeper' });
    // gator verify reviews an AdmissionReview without its Namespace: Rego reads it from the inventory, CEL cannot
    if (bundle.options.namespaceLabels && this.mode === 'cel') return this.viaWebhookReview(dir, bundle, compile(bundle.options), expected);
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
        // a violation names its check by the check's reason; checks sharing one (seccompProfile or procMount of
        // baseline and of restricted) are never in force together, so they are asserted as a group
        const groups = new Map(reasonGroups(u).map(([texts, members]) => [JSON.stringify(texts), members]));
        const reasonOf = (key: string, i: number) => {
          const prefix = expectedPrefix(u, expected[i]);
          return `^${prefix === undefined ? ANY_PREFIX : escapeRegex(prefix)}(?:${(JSON.parse(key) as string[]).map(escapeRegex).join('|')})(?: \\(|$)`;
        };
        return {
          name: u.name, template: `template-${n}.yaml`, constraint: `constraint-${n}.yaml`,
          cases: cases.map((c, i) => {
            const checks = subjectOf(dir.cases[i]!.request) === u.subject ? expected[i]!.modes[u.mode] ?? [] : [];
            return {
              ...c,
              assertions: [
                { violations: checks.length },
                ...[...groups].map(([key, members]) => {
                  const n = members.filter((m) => checks.includes(m)).length;
                  return { violations: n > 0 ? n : 'no', message: reasonOf(key, i) };
                }),
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
   * Gatekeeper's client reviewing each request as its webhook does, with the
   * request's Namespace (`gatekeeper-review`). Each unit's violations are
   * counted per check reason and compared with upstream's, as gator verify's
   * assertions would (checks sharing a reason are never in force together).
   */
  private viaWebhookReview(dir: CaseDir, bundle: Bundle, docs: Document[], expected: readonly (AdmissionOutcome & Partial<Pick<OracleOutcome, 'raw'>>)[]): AdmissionOutcome[] {
    const { cache } = ensureEngines();
    const yaml = (prefix: string) => docs.filter((d) => d.file.startsWith(prefix)).map((d) => d.yaml);
    const out = JSON.parse(execFileSync(`${cache}/bin/gatekeeper-review`, [], {
      input: JSON.stringify({
        templates: yaml('constrainttemplate-'), constraints: yaml('constraint-'), cel: this.mode === 'cel',
        namespaces: [...new Map(dir.cases.flatMap((c) => c.namespaces).map((n) => [n.metadata?.name, n])).values()],
        requests: dir.cases.map((c) => c.request),
      }),
      encoding: 'utf8', maxBuffer: 1 << 30,
    })) as { results: { violations: { constraint: string; action: string; msg: string }[]; error?: string }[] };
    return out.results.map((r, i): AdmissionOutcome => {
      const want = expected[i]!;
      if (r.error) return { allowed: true, modes: {}, error: r.error };
      for (const u of bundle.units) {
        const mine = r.violations.filter((v) => v.constraint === u.name);
        const checks = subjectOf(dir.cases[i]!.request) === u.subject ? want.modes[u.mode] ?? [] : [];
        const prefix = expectedPrefix(u, want);
        for (const [texts, members] of reasonGroups(u)) {
          const count = mine.filter((v) => new RegExp(`^${prefix === undefined ? ANY_PREFIX : escapeRegex(prefix)}(?:${texts.map(escapeRegex).join('|')})(?: \\(|$)`).test(v.msg)).length;
          const wanted = members.filter((m) => checks.includes(m)).length;
          if (count !== wanted) return { allowed: want.allowed, modes: {}, mismatch: `${u.name}: ${count} violations with reason ${JSON.stringify(texts)}, upstream ${wanted}: ${JSON.stringify(mine.map((v) => v.msg))}` };
        }
        if (mine.length !== checks.length) return { allowed: want.allowed, modes: {}, mismatch: `${u.name}: ${mine.length} violations, upstream ${checks.length}` };
      }
      return { allowed: want.allowed, modes: want.modes };
    });
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

/** A unit's checks grouped by their reason texts, which must not overlap between groups. */
function reasonGroups(u: PlanUnit): [string[], string[]][] {
  const groups = new Map<string, string[]>();
  for (const [check, texts] of unitReasons(u)) {
    const key = JSON.stringify([...texts].sort());
    groups.set(key, [...(groups.get(key) ?? []), check]);
  }
  const texts = [...groups.keys()].flatMap((k) => JSON.parse(k) as string[]);
  if (new Set(texts).size !== texts.length) throw new Error(`checks share part of a reason in ${u.name}`);
  return [...groups].map(([k, members]) => [JSON.parse(k) as string[], members]);
}
