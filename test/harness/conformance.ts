// npm run conformance -- PATH… [--levels baseline,restricted] [--versions all|boundaries|v1.N,…]
//                              [--engines rego-wasm,…] [--json FILE]
// npm run conformance -- --fuzz N [--seed S] [--save DIR] [same options]
// npm run conformance -- --admission DIR… [--engines …] [--json FILE]
// npm run conformance -- --admission DIR… --namespace-labels (bundles read each namespace's PSA labels)
// npm run conformance -- --admission --fuzz N [--seed S] [--save DIR] [--engines …] [--json FILE]
//
// Evaluates every Pod found under PATH (or N generated pods) against the
// upstream evaluator and each engine; exits 1 on any verdict or reason
// disagreement or engine error, or on any message disagreement of an engine
// that promises upstream's messages. When fuzzing, each disagreeing pod is
// shrunk to a minimal one, printed, and written under --save DIR.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { stringify } from 'yaml';
import { parseVersion } from '../../src/model/version.js';
import { compare, type Comparison, type EngineReport } from './compare.js';
import { CEL_BUDGET, celCost, type CostFigure } from './cost.js';
import { ensureEngines } from './engines.js';
import type { LevelVersion } from './engine.js';
import { fuzz, type Finding, type FuzzResult } from './fuzz/run.js';
import { loadPods } from './pods.js';
import { ENGINE_FACTORIES, SCOPES } from './registry.js';
import { COMPILE_FILE, findCaseDirs, loadCaseDir } from './admission/cases.js';
import { compareAdmission } from './admission/compare.js';
import { ADMISSION_ENGINES } from './admission/registry.js';
import { admissionSummary } from './admission/report.js';
import { caseFile, randomUpdates } from './fuzz/updates.js';
import { ALL_VERSIONS, BOUNDARY_VERSIONS, grid } from './targets.js';

class UsageError extends Error {}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
const DEFAULT_SAVE_DIR = '.cache/fuzz-findings';

function integer(name: string, min: number) {
  return (s: string): number => {
    if (!/^\d+$/.test(s) || Number(s) < min || !Number.isSafeInteger(Number(s))) throw new UsageError(`${name} must be an integer ≥ ${min}, got "${s}"`);
    return Number(s);
  };
}

function parseArgs(argv: string[]) {
  const cmd = new Command('conformance')
    .argument('[paths...]', 'pod YAML files or directories (multi-document YAML is fine)')
    .option('--admission', 'the paths are admission case directories (config.yaml and AdmissionReview files), compared with upstream\'s admission plugin')
    .option('--namespace-labels', 'with --admission: compile every bundle in namespace-label mode (a directory\'s pss-compile.yaml may also ask for it)')
    .option('--fuzz <n>', 'generate N random pods instead of reading files', integer('--fuzz', 1))
    .option('--seed <s>', 'seed of the generated pods (default: a random one, printed)', integer('--seed', 0))
    .option('--save <dir>', `with --fuzz: where shrunk disagreeing pods are written (default ${DEFAULT_SAVE_DIR})`)
    .option('--levels <levels>', 'comma-separated levels', 'baseline,restricted')
    .option('--versions <versions>', '"all", "boundaries" (every version where a check changes, and latest) or comma-separated versions (default: all for files, boundaries with --fuzz)')
    .option('--engines <ids>', `comma-separated engines (${Object.keys(ENGINE_FACTORIES).join(', ')})`, Object.keys(ENGINE_FACTORIES).join(','))
    .option('--json <file>', 'write the full report as JSON')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  try {
    cmd.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.help')) process.exit(0);
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message.replace(/^error: /, ''));
  }
  const opts = cmd.opts<{ admission?: boolean; namespaceLabels?: boolean; fuzz?: number; seed?: number; save?: string; levels: string; versions?: string; engines: string; json?: string }>();
  if (opts.namespaceLabels && !opts.admission) throw new UsageError('--namespace-labels needs --admission');
  if (opts.fuzz === undefined && cmd.args.length === 0) throw new UsageError('give pod files or directories, or --fuzz N');
  if (opts.fuzz !== undefined && cmd.args.length > 0) throw new UsageError('give pod files or --fuzz N, not both');
  if (opts.fuzz === undefined && (opts.seed !== undefined || opts.save !== undefined)) throw new UsageError('--seed and --save need --fuzz N');
  const levels = list(opts.levels);
  // privileged compiles to an empty bundle: there is nothing for an engine to run
  for (const l of levels) if (!['baseline', 'restricted'].includes(l)) throw new UsageError(`unknown level "${l}": must be baseline or restricted`);
  const versionsArg = opts.versions ?? (opts.fuzz === undefined ? 'all' : 'boundaries');
  const versions = versionsArg === 'all' ? [...ALL_VERSIONS] : versionsArg === 'boundaries' ? [...BOUNDARY_VERSIONS] : list(versionsArg);
  for (const v of versions) {
    try {
      parseVersion(v);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const known = opts.admission ? ADMISSION_ENGINES : ENGINE_FACTORIES;
  const engines = opts.admission && opts.engines === Object.keys(ENGINE_FACTORIES).join(',') ? Object.keys(ADMISSION_ENGINES) : list(opts.engines);
  for (const id of engines) if (!known[id]) throw new UsageError(`unknown engine "${id}"; known: ${Object.keys(known).join(', ')}`);
  for (const p of cmd.args) if (!existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
  // fuzzing without --versions: each engine at its own default (the Kyverno CLI is too slow for every boundary)
  const versionsOf = (id: string): string[] =>
    (opts.fuzz !== undefined && opts.versions === undefined ? [...(SCOPES[id]?.fuzzVersions ?? versions)] : versions);
  return {
    admission: opts.admission === true, namespaceLabels: opts.namespaceLabels === true, paths: cmd.args, levels: levels as LevelVersion['level'][], versions, versionsOf, engines, json: opts.json,
    fuzz: opts.fuzz, seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31), save: opts.save ?? DEFAULT_SAVE_DIR,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

function summary(result: Comparison, levels: number, versions: (engine: string) => number): string {
  const head = ['engine', 'pods', 'levels', 'versions', 'evaluations', 'agree', 'verdict≠', 'fail-open', 'false-alarm', 'reason≠', 'message≠', 'errors'];
  const rows = result.engines.map((r: EngineReport) => [
    r.engine, String(result.pods), String(levels), String(versions(r.engine)), String(r.evaluations), String(r.agreements),
    String(r.verdictDisagreements), String(r.failOpen), String(r.falseAlarms), String(r.reasonDisagreements),
    String(r.messageDisagreements), String(r.engineErrors),
  ]);
  const lines = [table([head, ...rows])];
  lines.push('\nfail-open report (pods; an evaluation counts at each level and version)');
  lines.push(table([
    ['engine', 'fail-open pods (upstream denies, engine admits)', 'false-alarm pods (upstream admits, engine denies)'],
    ...result.engines.map((r) => [r.engine, String(r.failOpenPods), String(r.falseAlarmPods)]),
  ]));
  for (const r of result.engines) {
    for (const d of r.diffs.slice(0, 5)) {
      lines.push(`\n${r.engine} ${d.kind} diff: ${d.pod} at ${d.level}:${d.version}`,
        `  upstream: ${d.expected.allowed ? 'allowed' : `denied: ${d.expected.message}`}`,
        `  ${r.engine}: ${d.actual.allowed ? 'allowed' : `denied: ${d.actual.message}`}`);
    }
  }
  return lines.join('\n');
}

function describeFinding(f: Finding): string {
  const pod = stringify(f.minimal).trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  return [
    `\n${f.engine} ${f.kind} disagreement on ${f.pod} at ${f.level}:${f.version}, shrunk to:`,
    pod,
    `  upstream: ${f.expected.allowed ? 'allowed' : `denied: ${f.expected.message}`}`,
    `  ${f.engine}: ${f.actual.allowed ? 'allowed' : `denied: ${f.actual.message}`}`,
    ...(f.file ? [`  written to ${f.file}`] : []),
  ].join('\n');
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
  if (args.admission) return admissionMain(args);
  const targets = grid(args.levels, args.versions);
  const makeEngines = () => args.engines.map((id) => ENGINE_FACTORIES[id]!());
  let result: Comparison;
  let findings: Finding[] = [];
  if (args.fuzz !== undefined) {
    // the same pods for every engine; one run per distinct version list
    const groups = new Map<string, string[]>();
    for (const id of args.engines) groups.set(args.versionsOf(id).join(','), [...(groups.get(args.versionsOf(id).join(',')) ?? []), id]);
    const runs: FuzzResult[] = [];
    for (const ids of groups.values()) {
      runs.push(await fuzz({
        seed: args.seed, pods: args.fuzz, targets: grid(args.levels, args.versionsOf(ids[0]!)),
        engines: ids.map((id) => ENGINE_FACTORIES[id]!()), saveDir: args.save,
      }));
    }
    result = {
      pods: args.fuzz,
      evaluations: runs.reduce((n, r) => n + r.comparison.evaluations, 0),
      oracleErrors: runs[0]!.comparison.oracleErrors,
      engines: args.engines.map((id) => runs.flatMap((r) => r.comparison.engines).find((e) => e.engine === id)!),
    };
    findings = runs.flatMap((r) => r.findings);
  } else {
    const pods = loadPods(args.paths);
    if (pods.length === 0) {
      process.stderr.write('conformance: no Pod documents found\n');
      return 2;
    }
    result = await compare(pods.map((c) => ({ case: c, targets })), makeEngines());
  }
  for (const e of result.oracleErrors) process.stderr.write(`conformance: skipped ${e.pod}: the API server would not decode it: ${e.error}\n`);
  console.log(`reference: k8s.io/pod-security-admission ${engines.psaVersion}; levels ${args.levels.join(', ')}; versions ${args.versions.join(', ')}`);
  for (const id of args.engines) {
    if (args.versionsOf(id).join() !== args.versions.join()) console.log(`${id}: versions ${args.versionsOf(id).join(', ')} (its default when fuzzing; --versions widens it)`);
  }
  if (args.fuzz !== undefined) console.log(`fuzz: ${args.fuzz} generated pods, seed ${args.seed} (replay with --fuzz ${args.fuzz} --seed ${args.seed})`);
  console.log(summary(result, args.levels.length, (id) => args.versionsOf(id).length));
  for (const f of findings) console.log(describeFinding(f));
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
      ...(args.fuzz !== undefined ? { fuzz: { pods: args.fuzz, seed: args.seed, findings } } : {}),
      levels: args.levels, versions: args.versions,
      versionsByEngine: Object.fromEntries(args.engines.map((id) => [id, args.versionsOf(id)])), ...result,
      failOpenReport: result.engines.map((r) => ({
        engine: r.engine, failOpenPods: r.failOpenPods, falseAlarmPods: r.falseAlarmPods, failOpen: r.failOpen, falseAlarms: r.falseAlarms,
      })),
      ...(cost ? { celCost: { budget: CEL_BUDGET, policy: 'restricted:latest', figures: cost } } : {}),
      engines: result.engines.map((r) => ({ ...r, diffs: r.diffs.slice(0, 200) })),
    }, null, 2)}\n`);
  }
  const exactById = new Map(args.engines.map((id) => [id, ENGINE_FACTORIES[id]!().exactMessages]));
  const failed = result.engines.some((r) => r.verdictDisagreements > 0 || r.reasonDisagreements > 0 || r.engineErrors > 0
    || (exactById.get(r.engine) && r.messageDisagreements > 0));
  return failed ? 1 : 0;
}

async function admissionMain(args: ReturnType<typeof parseArgs>): Promise<number> {
  const dirs = (args.fuzz !== undefined ? [randomUpdates(args.seed, args.fuzz, args.namespaceLabels)] : findCaseDirs(args.paths).map((d) => loadCaseDir(d)))
    .map((d) => (args.namespaceLabels ? { ...d, compile: { ...d.compile, namespaceLabels: true } } : d));
  if (dirs.length === 0) {
    process.stderr.write('conformance: no case directory (with a config.yaml) found\n');
    return 2;
  }
  const result = await compareAdmission(dirs, args.engines.map((id) => ADMISSION_ENGINES[id]!()));
  console.log(`reference: k8s.io/pod-security-admission ${ensureEngines().psaVersion} admission (Admission.Validate)`
    + `${dirs.some((d) => d.compile.namespaceLabels) ? '; bundles in namespace-label mode' : ''}`);
  if (args.fuzz !== undefined) console.log(`fuzz: ${args.fuzz} generated UPDATE requests, seed ${args.seed} (replay with --admission --fuzz ${args.fuzz} --seed ${args.seed}${args.namespaceLabels ? ' --namespace-labels' : ''})`);
  console.log(admissionSummary(result));
  if (args.fuzz !== undefined) {
    // each disagreeing request as a case file, with the configuration: a case directory to keep
    const found = [...new Set(result.engines.flatMap((r) => r.diffs.map((d) => d.case)))];
    if (found.length > 0) {
      const out = join(args.save, `admission-${args.seed}`);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'config.yaml'), dirs[0]!.configText);
      if (dirs[0]!.compile.namespaceLabels) writeFileSync(join(out, COMPILE_FILE), 'namespaceLabels: true\n');
      for (const c of dirs[0]!.cases.filter((x) => found.includes(x.id))) writeFileSync(join(out, `${c.id}.yaml`), caseFile(c));
      console.log(`\n${found.length} disagreeing requests written to ${out} (a case directory)`);
    }
  }
  if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  return result.engines.some((r) => r.diffs.length > 0) ? 1 : 0;
}

process.exitCode = await main(process.argv);
