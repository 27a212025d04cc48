// npm run bench -- [--json FILE] [--compare DIR] [--runs N]
//
// Measures compile speed, evaluation speed in every engine and CEL cost on
// one pod set (1, 3 and 20 containers; compliant and violating, against
// restricted:latest), as medians of repeated runs, with ratios taken within
// the same run. --compare DIR measures another bundle the same way.
import { existsSync, writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CEL_BUDGET, celCost, labelBundleSizes, labelCelCost, policyCost } from './cost.js';
import { READABILITY_GOALS, levelCelCost, readabilityFigures } from './readability.js';
import { ensureEngines } from './engines.js';
import { checkRate, compileCli, compileMatrix, gatorBench, kyvernoCli, ourDocuments, reference, regoWasm, type GatorBench } from './bench/measure.js';
import { loadPeerBundle } from './bench/peer.js';
import { BENCH_PODS } from './bench/pods.js';
import { matchesPods } from './kyverno.js';

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const cmd = new Command('bench')
    .option('--json <file>', 'write the figures as JSON')
    .option('--compare <dir>', 'also measure the ConstraintTemplates, Kyverno policies and VAPs found under DIR')
    .option('--runs <n>', 'repetitions per measurement (medians are reported)', '5')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  try {
    cmd.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.help')) process.exit(0);
    throw new UsageError((e as Error).message.replace(/^error: /, ''));
  }
  const o = cmd.opts<{ json?: string; compare?: string; runs: string }>();
  if (!/^[1-9]\d?$/.test(o.runs)) throw new UsageError(`--runs must be an integer from 1 to 99, got "${o.runs}"`);
  if (o.compare !== undefined && !existsSync(o.compare)) throw new UsageError(`no such directory: ${o.compare}`);
  return { json: o.json, compare: o.compare, runs: Number(o.runs) };
}

const fmt = (n: number, digits = 3): string => (n >= 100 ? n.toFixed(0) : n.toPrecision(digits));
const ms = (s: number): string => `${fmt(s * 1000)} ms`;
const us = (s: number): string => `${fmt(s * 1e6)} µs`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Runs a measurement; a missing engine or a failure becomes an error entry instead of aborting the bench. */
async function attempt<T>(what: string, fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return await fn();
  } catch (e) {
    const error = (e as Error).message.split('\n')[0]!;
    process.stderr.write(`bench: ${what}: ${error}\n`);
    return { error };
  }
}
type Result<T> = T | { error: string };
interface Compared {
  dir: string;
  documents: Record<string, number>;
  gatekeeper?: { rego: Result<GatorBench>; cel: Result<GatorBench> };
  /** every Kyverno policy of the bundle, whatever its flavour */
  kyverno?: Result<{ secondsPerPod: number; failingPods: number }>;
  /** vpol when the bundle has only ValidatingPolicies */
  kyvernoFlavor?: 'vpol' | 'cpol';
  celCost?: Result<ReturnType<typeof policyCost>>;
}
const failed = (x: unknown): x is { error: string } => typeof x === 'object' && x !== null && 'error' in x;

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
  const peer = args.compare ? loadPeerBundle(args.compare) : undefined;
  const engines = ensureEngines();
  const { runs } = args;
  const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

  log('compiling the matrix');
  const matrix = compileMatrix(runs);
  const cli = compileCli(runs);
  log('rego in OPA WASM and the upstream evaluator');
  const rego = await regoWasm(runs, 1);
  const ref = reference(runs, 1);
  log('pss-compile check');
  const check = await attempt('check', () => checkRate(runs, 1));
  log('gator bench');
  const gkDocs = ourDocuments({ target: 'gatekeeper' });
  const gatekeeper = {
    rego: await attempt('gator bench (rego)', () => gatorBench(gkDocs, 'rego', runs)),
    cel: await attempt('gator bench (cel)', () => gatorBench(gkDocs, 'cel', runs)),
  };
  log('CEL cost');
  const cost = { budget: CEL_BUDGET, policy: 'restricted:latest', figures: celCost() };
  log('readability of the generated files, and CEL cost per level');
  const readable = readabilityFigures();
  const levelCost = await attempt('CEL cost per level', () => levelCelCost());
  log('namespace-label bundles: CEL cost and size');
  const labels = await attempt('label-mode CEL cost', () => ({ cost: labelCelCost(), sizes: labelBundleSizes() }));
  log('Kyverno CLI');
  const kyvernoBundle = async (flavor: 'vpol' | 'cpol') => {
    const docs = ourDocuments({ target: 'kyverno', kyvernoFlavor: flavor === 'vpol' ? 'validatingpolicy' : 'clusterpolicy' })
      .filter((d) => d.kind === (flavor === 'vpol' ? 'ValidatingPolicy' : 'ClusterPolicy'));
    // the CLI compiles every policy for every resource, even one that matches workloads only
    const podPolicies = docs.filter((d) => matchesPods(d, flavor));
    const pods = await kyvernoCli(podPolicies, Math.min(runs, 3));
    const bundle = podPolicies.length === docs.length ? pods : await kyvernoCli(docs, Math.min(runs, 3));
    return { ...pods, bundleSecondsPerPod: bundle.secondsPerPod, policies: docs.length, podPolicies: podPolicies.length };
  };
  const kyverno = {
    vpol: await attempt('kyverno (ValidatingPolicy)', () => kyvernoBundle('vpol')),
    cpol: await attempt('kyverno (ClusterPolicy)', () => kyvernoBundle('cpol')),
  };

  let compared: Compared | undefined;
  if (peer && args.compare) {
    log(`measuring ${args.compare}`);
    compared = {
      dir: args.compare,
      documents: { gatekeeper: peer.gatekeeper.length, kyverno: peer.kyverno.length, vap: peer.vap.length, skipped: peer.skipped },
      gatekeeper: peer.gatekeeper.length ? {
        rego: await attempt('compare: gator bench (rego)', () => gatorBench(peer.gatekeeper, 'rego', runs)),
        cel: await attempt('compare: gator bench (cel)', () => gatorBench(peer.gatekeeper, 'cel', runs)),
      } : undefined,
      kyverno: peer.kyverno.length ? await attempt('compare: kyverno', () => kyvernoCli(peer.kyverno, Math.min(runs, 3))) : undefined,
      kyvernoFlavor: peer.kyverno.every((d) => d.kind === 'ValidatingPolicy') ? 'vpol' : 'cpol',
      celCost: peer.vap.length ? await attempt('compare: CEL cost', () => policyCost(peer.vap)) : undefined,
    };
  }

  const report = {
    machine: { node: process.version, psa: engines.psaVersion, runs },
    pods: BENCH_PODS.map((p) => p.name),
    compile: { matrixSeconds: matrix.matrixSeconds, firstMatrixSeconds: matrix.firstSeconds, bundles: matrix.bundles, cliSeconds: cli.cliSeconds, cliCommand: cli.command },
    rego: { podsPerSecond: rego.podsPerSecond, floorPodsPerSecond: rego.floorPodsPerSecond },
    reference: { podsPerSecond: ref.podsPerSecond, evaluatorOnlyPodsPerSecond: ref.evaluatorOnlyPodsPerSecond },
    ratios: {
      referenceOverRego: ref.podsPerSecond / rego.podsPerSecond,
      evaluatorOnlyOverRego: ref.evaluatorOnlyPodsPerSecond / rego.podsPerSecond,
      evaluatorOnlyOverRegoFloor: ref.evaluatorOnlyPodsPerSecond / rego.floorPodsPerSecond,
    },
    check,
    gatekeeper,
    cel: { cost, levels: levelCost },
    readability: { goals: READABILITY_GOALS, figures: readable },
    namespaceLabels: labels,
    kyverno,
    ...(compared ? { compare: compared } : {}),
  };

  const gk = (g: Result<GatorBench> | undefined): string =>
    (g === undefined ? '' : failed(g) ? 'error' : `${us(g.secondsPerReview)}, ${us(g.p99)}, ${fmt(g.violations, 2)}`);
  const theirCost = (i: number): string => {
    const c = compared?.celCost;
    return c === undefined ? '' : failed(c) ? 'error' : `${c[i]!.compliant} / ${c[i]!.violating}`;
  };
  const kv = (k: Result<{ secondsPerPod: number }> | undefined): string => (k === undefined ? '' : failed(k) ? 'error' : ms(k.secondsPerPod));
  const kb = (k: Result<{ secondsPerPod: number; bundleSecondsPerPod: number }>): string =>
    (failed(k) ? 'error' : `${ms(k.secondsPerPod)}; ${ms(k.bundleSecondsPerPod)}`);
  const rows: string[][] = [
    ['measure', 'ours', 'goal', 'compared bundle'],
    ['compile.matrixSeconds', `${fmt(matrix.matrixSeconds)} s (${matrix.bundles} bundles; cold ${fmt(matrix.firstSeconds)} s)`, '< 2 s', ''],
    ['compile.cliSeconds', `${fmt(cli.cliSeconds)} s`, '< 0.3 s', ''],
    ['rego.podsPerSecond (OPA WASM, from JSON)', fmt(rego.podsPerSecond), '', ''],
    ['reference.podsPerSecond (Go, from JSON)', fmt(ref.podsPerSecond), '', ''],
    ['reference / rego', `${fmt(ref.podsPerSecond / rego.podsPerSecond)}×`, '≤ 5×', ''],
    ['  Go evaluator alone (pods decoded once)', `${fmt(ref.evaluatorOnlyPodsPerSecond)}, ${fmt(ref.evaluatorOnlyPodsPerSecond / rego.podsPerSecond)}× rego`, '', ''],
    ['  OPA WASM floor (a policy with no rules)', `${fmt(rego.floorPodsPerSecond)}, ${fmt(ref.evaluatorOnlyPodsPerSecond / rego.floorPodsPerSecond)}× below Go alone`, '', ''],
    ...(failed(check) ? [['check', 'error', '', '']] : [
      ['check.podsPerSecond (3 containers, parsed objects)', fmt(check.podsPerSecond), '≥ 5000', ''],
      ['  a YAML stream through the whole command', fmt(check.streamPodsPerSecond), '', ''],
      ['  upstream evaluator, same pods (from JSON; alone)', `${fmt(check.reference.podsPerSecond)}; ${fmt(check.reference.evaluatorOnlyPodsPerSecond)}`, '', ''],
    ]),
    ['gatekeeper.rego (mean, p99 per review; violations per pass)', gk(gatekeeper.rego), '', gk(compared?.gatekeeper?.rego)],
    ['gatekeeper.cel (mean, p99 per review; violations per pass)', gk(gatekeeper.cel), '', gk(compared?.gatekeeper?.cel)],
    ...cost.figures.map((f, i) => [`cel.cost ${f.containers} container${f.containers > 1 ? 's' : ''} (compliant / violating)`,
      `${f.compliant} / ${f.violating} (${(f.budgetShare * 100).toFixed(3)}%)`, f.containers === 100 ? '< 1%' : '', theirCost(i)]),
    ...(failed(labels) ? [['namespaceLabels', 'error', '', '']] : [
      ...labels.cost.figures.map((f) => [`cel.cost.namespaceLabels ${f.containers} container${f.containers > 1 ? 's' : ''} (restricted:${f.version} label)`,
        `${f.compliant} / ${f.violating} (${(f.budgetShare * 100).toFixed(3)}%)`, f.containers === 100 ? '< 2%' : '', '']),
      ...labels.sizes.map((z) => [`size.namespaceLabels ${z.target}, versions ${z.versions} (${z.epochs} rule sets)`, `${fmt(z.bytes / 1024)} KiB`, '', '']),
    ]),
    ...readable.map((f) => [`readability ${f.target} ${f.level} (KiB; longest line; largest / median CEL)`,
      `${fmt(f.bytes / 1024)}; ${f.longestLine}; ${f.largestExpression} / ${f.medianExpression}`,
      `≤ ${READABILITY_GOALS.longestLine}; ≤ ${READABILITY_GOALS.largestExpression}${f.target === 'vap' && f.level === 'restricted' ? `; ≤ ${READABILITY_GOALS.restrictedVapBytes / 1024} KiB` : ''}`, '']),
    ...(failed(levelCost) ? [['cel.cost per level', 'error', '', '']] : levelCost.map((c) => [
      `cel.cost ${c.level}:latest ${c.containers} container${c.containers > 1 ? 's' : ''} (compliant / violating)`,
      `${c.compliant} / ${c.violating} (${(c.budgetShare * 100).toFixed(3)}%)`, '', ''])),
    ['kyverno.vpol (CLI, per pod; whole bundle)', kb(kyverno.vpol), '', compared?.kyvernoFlavor === 'vpol' ? kv(compared.kyverno) : ''],
    ['kyverno.cpol (CLI, per pod; whole bundle)', kb(kyverno.cpol), '', compared?.kyvernoFlavor === 'cpol' ? kv(compared.kyverno) : ''],
  ].map((r) => (compared ? r : r.slice(0, 3)));
  console.log(table(rows));
  console.log(`\npods: ${BENCH_PODS.map((p) => p.name).join(', ')}; policy restricted:latest; medians of ${runs} runs; CEL budget ${CEL_BUDGET.toLocaleString('en')}`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

process.exitCode = await main(process.argv);
