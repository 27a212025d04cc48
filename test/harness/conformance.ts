// npm run conformance -- PATH… [--levels baseline,restricted] [--versions all|v1.N,…]
//                              [--engines rego-wasm,…] [--json FILE]
// Evaluates every Pod found under PATH against the upstream evaluator and each
// engine; exits 1 on any verdict or reason disagreement or engine error, or on
// any message disagreement of an engine that promises upstream's messages.
import { existsSync, writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { parseVersion } from '../../src/model/version.js';
import { compare, type Comparison, type EngineReport } from './compare.js';
import { CEL_BUDGET, celCost, type CostFigure } from './cost.js';
import { ensureEngines } from './engines.js';
import type { LevelVersion } from './engine.js';
import { loadPods } from './pods.js';
import { ENGINE_FACTORIES } from './registry.js';
import { ALL_VERSIONS, grid } from './targets.js';

class UsageError extends Error {}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

function parseArgs(argv: string[]) {
  const cmd = new Command('conformance')
    .argument('<paths...>', 'pod YAML files or directories (multi-document YAML is fine)')
    .option('--levels <levels>', 'comma-separated levels', 'baseline,restricted')
    .option('--versions <versions>', '"all" or comma-separated versions', 'all')
    .option('--engines <ids>', `comma-separated engines (${Object.keys(ENGINE_FACTORIES).join(', ')})`, Object.keys(ENGINE_FACTORIES).join(','))
    .option('--json <file>', 'write the full report as JSON')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  try {
    cmd.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.help')) process.exit(0);
    throw new UsageError((e as Error).message.replace(/^error: /, ''));
  }
  const opts = cmd.opts<{ levels: string; versions: string; engines: string; json?: string }>();
  const levels = list(opts.levels);
  for (const l of levels) if (!['privileged', 'baseline', 'restricted'].includes(l)) throw new UsageError(`unknown level "${l}"`);
  const versions = opts.versions === 'all' ? [...ALL_VERSIONS] : list(opts.versions);
  for (const v of versions) {
    try {
      parseVersion(v);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const engines = list(opts.engines);
  for (const id of engines) if (!ENGINE_FACTORIES[id]) throw new UsageError(`unknown engine "${id}"; known: ${Object.keys(ENGINE_FACTORIES).join(', ')}`);
  for (const p of cmd.args) if (!existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
  return { paths: cmd.args, levels: levels as LevelVersion['level'][], versions, engines, json: opts.json };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

function summary(result: Comparison, levels: number, versions: number): string {
  const head = ['engine', 'pods', 'levels', 'versions', 'evaluations', 'agree', 'verdict≠', 'fail-open', 'false-alarm', 'reason≠', 'message≠', 'errors'];
  const rows = result.engines.map((r: EngineReport) => [
    r.engine, String(result.pods), String(levels), String(versions), String(r.evaluations), String(r.agreements),
    String(r.verdictDisagreements), String(r.failOpen), String(r.falseAlarms), String(r.reasonDisagreements),
    String(r.messageDisagreements), String(r.engineErrors),
  ]);
  const lines = [table([head, ...rows])];
  for (const r of result.engines) {
    for (const d of r.diffs.slice(0, 5)) {
      lines.push(`\n${r.engine} ${d.kind} diff: ${d.pod} at ${d.level}:${d.version}`,
        `  upstream: ${d.expected.allowed ? 'allowed' : `denied: ${d.expected.message}`}`,
        `  ${r.engine}: ${d.actual.allowed ? 'allowed' : `denied: ${d.actual.message}`}`);
    }
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`conformance: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
  const engines = ensureEngines();
  const pods = loadPods(args.paths);
  if (pods.length === 0) {
    process.stderr.write('conformance: no Pod documents found\n');
    return 2;
  }
  const targets = grid(args.levels, args.versions);
  const result = await compare(pods.map((c) => ({ case: c, targets })), args.engines.map((id) => ENGINE_FACTORIES[id]!()));
  for (const e of result.oracleErrors) process.stderr.write(`conformance: skipped ${e.pod}: the API server would not decode it: ${e.error}\n`);
  console.log(`reference: k8s.io/pod-security-admission ${engines.psaVersion}; levels ${args.levels.join(', ')}; versions ${args.versions[0]} … ${args.versions.at(-1)}`);
  console.log(summary(result, args.levels.length, args.versions.length));
  let cost: CostFigure[] | undefined;
  if (args.engines.includes('vap')) {
    cost = celCost();
    console.log(`\nCEL runtime cost of restricted:latest (API server accounting; budget ${CEL_BUDGET.toLocaleString('en')} per evaluation)`);
    console.log(table([
      ['containers', 'compliant pod', 'violating pod', 'share of budget'],
      ...cost.map((c) => [String(c.containers), String(c.compliant), String(c.violating), `${(c.budgetShare * 100).toFixed(3)}%`]),
    ]));
  }
  if (args.json) {
    writeFileSync(args.json, `${JSON.stringify({
      reference: { module: 'k8s.io/pod-security-admission', version: engines.psaVersion },
      levels: args.levels, versions: args.versions, ...result,
      ...(cost ? { celCost: { budget: CEL_BUDGET, policy: 'restricted:latest', figures: cost } } : {}),
      engines: result.engines.map((r) => ({ ...r, diffs: r.diffs.slice(0, 200) })),
    }, null, 2)}\n`);
  }
  const exactById = new Map(args.engines.map((id) => [id, ENGINE_FACTORIES[id]!().exactMessages]));
  const failed = result.engines.some((r) => r.verdictDisagreements > 0 || r.reasonDisagreements > 0 || r.engineErrors > 0
    || (exactById.get(r.engine) && r.messageDisagreements > 0));
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv);
