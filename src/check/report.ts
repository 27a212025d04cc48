// How `pss-compile check` reports: a line per failing object and mode in PSA's
// words, JSON with one result per evaluated object, or SARIF 2.1.0 for code
// scanning, each locating the object by file and line.
import { MODES, type Mode } from '../model/admission.js';
import { checkTitle } from '../model/registry.js';
import type { RequestOutcome } from '../evaluate/admission.js';
import { PACKAGE_VERSION } from '../render.js';
import { displayName, STDIN } from './input.js';
import type { Subject } from './subjects.js';


export interface Checked {
  subject: Subject;
  outcome: RequestOutcome;
}

export interface Summary {
  files: number;
  /** objects evaluated (Pods, workloads, AdmissionReviews) */
  evaluated: number;
  /** objects enforce rejects */
  rejected: number;
  /** objects enforce allows that warn or audit report */
  warned: number;
  /** objects of other kinds */
  skipped: number;
}

export function summarize(results: readonly Checked[], files: number, skipped: number): Summary {
  return {
    files,
    evaluated: results.length,
    rejected: results.filter((r) => !r.outcome.allowed).length,
    warned: results.filter((r) => r.outcome.allowed && Object.keys(r.outcome.modes).length > 0).length,
    skipped,
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `Deployment/web (namespace shop)` */
function describe(s: Subject): string {
  const what = s.name ? `${s.kind || 'object'}/${s.name}` : s.kind || 'object';
  return `${s.review ? 'AdmissionReview of ' : ''}${what}${s.namespace ? ` (namespace ${s.namespace})` : ''}`;
}

/** how each mode's finding is introduced: enforce's is the rejection itself */
const LEAD: Record<Mode, string> = { enforce: '', warn: 'warning: ', audit: 'audit: ' };

export function textReport(results: readonly Checked[], summary: Summary): string {
  const lines = results.flatMap(({ subject, outcome }) => MODES.flatMap((mode) => {
    const m = outcome.modes[mode];
    return m ? [`${displayName(subject.file)}:${subject.line} ${describe(subject)}: ${LEAD[mode]}${m.message}`] : [];
  }));
  const counts = [
    `${summary.rejected} rejected by enforce`,
    `${summary.warned} with warn or audit findings only`,
    `${summary.evaluated - summary.rejected - summary.warned} passed`,
  ];
  const skipped = summary.skipped > 0 ? `; ${plural(summary.skipped, 'other object')} skipped` : '';
  const total = `${plural(summary.evaluated, 'object')} checked in ${plural(summary.files, 'file')}`;
  return [...lines, `${total}: ${counts.join(', ')}${skipped}`].map((l) => `${l}\n`).join('');
}

export function jsonReport(results: readonly Checked[], summary: Summary): string {
  const out = results.map(({ subject: s, outcome }) => ({
    file: displayName(s.file),
    line: s.line,
    kind: s.kind,
    name: s.name,
    namespace: s.namespace,
    ...(s.review ? { admissionReview: true } : {}),
    allowed: outcome.allowed,
    reasons: outcome.modes.enforce?.failures.map((f) => f.text) ?? [],
    modes: Object.fromEntries(MODES.flatMap((mode) => {
      const m = outcome.modes[mode];
      return m ? [[mode, { policy: m.policy, checks: m.failures.map((f) => f.check), reasons: m.failures.map((f) => f.text), message: m.message }]] : [];
    })),
  }));
  return `${JSON.stringify({ results: out, summary }, null, 2)}\n`;
}

const PSS_DOCS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

/** SARIF 2.1.0: one result per failing check and mode, errors for enforce, warnings for warn and audit */
export function sarifReport(results: readonly Checked[]): string {
  const ruleIds = new Set<string>();
  const sarifResults = results.flatMap(({ subject: s, outcome }) => MODES.flatMap((mode) => (outcome.modes[mode]?.failures ?? []).map((f) => {
    ruleIds.add(f.check);
    return {
      ruleId: f.check,
      level: mode === 'enforce' ? 'error' : 'warning',
      message: { text: `${describe(s)}: ${LEAD[mode]}${f.prefix}${f.text}` },
      locations: [{
        physicalLocation: {
          artifactLocation: { uri: s.file === STDIN ? 'stdin' : s.file.split('\\').join('/') },
          region: { startLine: s.line },
        },
      }],
      properties: { mode, policy: outcome.modes[mode]!.policy },
    };
  })));
  const rules = [...ruleIds].sort().map((id) => ({
    id,
    shortDescription: { text: checkTitle(id) },
    helpUri: PSS_DOCS,
  }));
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: { driver: { name: 'pss-compile', version: PACKAGE_VERSION, informationUri: PSS_DOCS, rules } },
      results: sarifResults,
    }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
