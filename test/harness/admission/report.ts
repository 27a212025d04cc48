// The printed summary of an admission comparison.
import type { AdmissionComparison } from './compare.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export function admissionSummary(result: AdmissionComparison): string {
  const head = ['engine', 'cases', 'agree', 'verdict≠', 'mode≠', 'errors', 'not fed'];
  const rows = result.engines.map((r) => [
    r.engine, String(r.cases), String(r.agreements), String(r.verdictDisagreements), String(r.modeDisagreements), String(r.errors), String(r.notFed.length),
  ]);
  const lines = [`admission cases: ${result.cases} in ${result.dirs.join(', ')}`, table([head, ...rows])];
  for (const r of result.engines) {
    const why = [...new Set(r.notFed.map((n) => n.why))];
    for (const w of why) lines.push(`${r.engine}: ${r.notFed.filter((n) => n.why === w).length} cases not fed: ${w}`);
  }
  for (const r of result.engines) {
    for (const d of r.diffs) {
      lines.push(`\n${r.engine} differs on ${d.case}: ${d.what}`,
        `  upstream: ${d.expected.allowed ? 'allowed' : 'denied'} ${JSON.stringify(d.expected.modes)}`,
        `  ${r.engine}: ${d.actual.allowed ? 'allowed' : 'denied'} ${JSON.stringify(d.actual.modes)}${d.actual.error ? ` error: ${d.actual.error}` : ''}`);
    }
  }
  return lines.join('\n');
}
