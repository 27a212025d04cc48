// pss-compile command line. Bad input: one line on stderr, exit code 2, nothing
// written. The machine failing us (permissions, a full disk): one line, exit 1.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { bundleFiles, toStream } from './bundle.js';
import { compile } from './compile.js';
import { jobsFromConfig, jobsFromRecord, resolveJob, type Job } from './jobs.js';
import { LEVELS } from './model/types.js';
import {
  GATEKEEPER_ENGINES, InputError, KYVERNO_FLAVORS, recordedOptions, REGO_VERSIONS, TARGETS, type RawOptions,
} from './options.js';
import { checkBundleDir, checkStreamFile, type Drift } from './output/check.js';
import { EnvironmentError } from './output/errors.js';
import { RECORD_FILE, recordText } from './output/record.js';
import { ClosedPipe, writeStdout } from './output/stdout.js';
import { isStreamFile, writeBundleDir, writeStreamFile } from './output/write.js';
import { PACKAGE_VERSION } from './render.js';
import { escapeControl, nearest } from './suggest.js';
import { runDiff, runExplain } from './explain/index.js';
import { FORMATS } from './check/formats.js';
import type { CheckFlags } from './check/run.js';

interface Flags extends RawOptions {
  config?: string;
  out?: string;
  check?: boolean;
  diff?: boolean;
}

function program(): Command {
  return new Command('pss-compile')
    .description('Compile the Kubernetes Pod Security Standards into admission policies that decide as upstream Pod Security Admission does.')
    .argument('[bundle-dirs...]', 'with --check: bundle directories, each checked against the inputs it records')
    .addOption(new Option('-t, --target <target>', 'policy engine to compile for').choices(TARGETS))
    .option('--admission-config <file>', "the cluster's PodSecurityConfiguration, or the AdmissionConfiguration holding it: its defaults and exemptions")
    .addOption(new Option('-l, --level <level>', 'shorthand for a configuration: the level of the --action modes').choices(LEVELS))
    .option('--policy-version <version>', 'shorthand: the policy version of the --action modes, v1.0 … v1.N or latest (default: latest)')
    .option('--action <modes>', 'shorthand: comma-separated PSA modes at --level: enforce (deny), warn, audit (default: enforce)')
    .option('--namespace-labels', "apply, per request, the level and version the namespace's pod-security.kubernetes.io labels select (the configuration gives the defaults), as PSA does")
    .option('--versions <list>', 'with --namespace-labels: the policy versions the bundle carries, comma-separated (v1.N, latest), or all (default)')
    .option('--name <name>', 'prefix of every resource name (default: pod-security-<digest of the configuration>)')
    .option('--exempt-namespaces <names>', 'comma-separated namespaces the policy does not apply to')
    .option('--exempt-usernames <names>', 'comma-separated requesting users the policy does not apply to (exact)')
    .option('--exempt-runtime-classes <names>', 'comma-separated pod runtime classes the policy does not apply to (exact)')
    .addOption(new Option('--rego-version <v>', 'Gatekeeper Rego syntax: v1 (Gatekeeper >= 3.19) or v0').choices(REGO_VERSIONS))
    .addOption(new Option('--gatekeeper-engine <engine>', 'Gatekeeper code blocks: both (CEL runs where enabled, Rego elsewhere), rego or cel').choices(GATEKEEPER_ENGINES))
    .addOption(new Option('--kyverno-flavor <flavor>', 'Kyverno policy kind: validatingpolicy (Kyverno >= 1.17) or clusterpolicy').choices(KYVERNO_FLAVORS))
    .option('--kube-version <1.N>', 'oldest Kubernetes version the CEL policies must run on (default 1.30)')
    .option('-c, --config <file>', 'a config file (kind Bundle or BundleSet, or a bundle\'s record); flags override each of its bundles')
    .option('-o, --out <path>', 'write a bundle directory (one file per resource, kustomizations, a record of the inputs), or one stream if it ends in .yaml')
    .option('--check', 'write nothing: compare what would be written with what is on disk; exit 1 listing each differing, missing or extra file')
    .option('--diff', 'with --check: also print a unified diff per file')
    .option('--version', 'print the pss-compile version, and nothing else')
    .addHelpText('after', `
Examples:
  pss-compile --target gatekeeper --level restricted --policy-version v1.30
  pss-compile --target vap --level restricted --action warn -o bundle.yaml
  pss-compile --target kyverno --admission-config policies/psa/pod-security.yaml --namespace-labels -o deploy/pod-security
  pss-compile --config policies/bundle-set.yaml
  pss-compile --check deploy/pod-security
  pss-compile explain --level restricted --policy-version v1.30
  pss-compile diff --level restricted v1.22 v1.25
  pss-compile check --level restricted deploy/
  helm template ./chart | pss-compile check --admission-config pod-security.yaml -`)
    // a subcommand's --level is its own
    .enablePositionalOptions()
    .action(() => undefined)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (s) => writeStdout(s) })
    .showHelpAfterError(false);
}

/** The subcommands that read the model rather than compile it; each sets the text to print. */
function modelCommands(cmd: Command, print: (text: string) => void): void {
  const level = () => new Option('-l, --level <level>', 'the level').choices(LEVELS).makeOptionMandatory();
  cmd.command('explain')
    .description('list the checks of a level at a policy version, with the fields they restrict and the values they allow')
    .addOption(level())
    .option('--policy-version <version>', 'v1.N or latest (default: latest)')
    .option('--json', 'print JSON')
    .action((o: { level: string; policyVersion?: string; json?: boolean }) => print(runExplain(o)));
  cmd.command('diff')
    .description('list the checks of a level added, removed and changed between two policy versions')
    .argument('<from>', 'policy version, v1.N or latest')
    .argument('<to>', 'policy version, v1.N or latest')
    .addOption(level())
    .option('--json', 'print JSON')
    .action((from: string, to: string, o: { level: string; json?: boolean }) => print(runDiff({ ...o, from, to })));
}

/** `check`: evaluates manifests offline; sets its output and exit code */
function checkCommand(cmd: Command, done: (result: { output: string; code: number }) => void): void {
  cmd.command('check')
    .description('evaluate Pods, workload pod templates and AdmissionReviews offline as Pod Security Admission would; exit 1 when enforce rejects one')
    .argument('[paths...]', 'files and directories (recursively: .yaml, .yml, .json), or - for standard input')
    .addOption(new Option('-l, --level <level>', 'the level enforced').choices(LEVELS))
    .option('--policy-version <version>', 'with --level: v1.N or latest (default: latest)')
    .option('--admission-config <file>', "the cluster's PodSecurityConfiguration (or AdmissionConfiguration): every mode's level and version, and its exemptions")
    .option('--namespace-labels', 'read each namespace\'s pod-security.kubernetes.io labels from the Namespace objects in the input (the policy gives the defaults)')
    .option('--exempt-namespaces <names>', 'comma-separated namespaces not checked')
    .option('--exempt-usernames <names>', 'comma-separated requesting users not checked (AdmissionReviews)')
    .option('--exempt-runtime-classes <names>', 'comma-separated pod runtime classes not checked')
    .option('-n, --namespace <name>', 'the namespace of objects that name none', 'default')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
    // loaded only for check: compiling needs none of it
    .action(async (paths: string[], o: CheckFlags) => done((await import('./check/run.js')).runCheck(paths, o, readStdin)));
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    throw new EnvironmentError('read', 'standard input', (e as NodeJS.ErrnoException).code ?? 'EIO');
  }
}

/** `--version` does one job: a value or another option after it is most likely a policy version meant for --policy-version. */
function versionOnly(args: readonly string[]): boolean {
  const i = args.findIndex((a) => a === '--version' || a.startsWith('--version='));
  if (i < 0) return false;
  if (args.length === 1 && args[0] === '--version') return true;
  const value = args[i]!.startsWith('--version=') ? args[i]!.slice('--version='.length) : args[i + 1];
  const hint = value !== undefined && !value.startsWith('-') ? ` (${JSON.stringify(value)}: the policy version is --policy-version)` : '; the policy version is --policy-version';
  throw new InputError(`--version prints the pss-compile version and takes no value or other options${hint}`);
}

/** What a job writes: the stream (to stdout or a file), or a bundle directory's files. */
type Output = { kind: 'stream'; text: string } | { kind: 'dir'; files: Map<string, string> };

function output(job: Job): Output {
  const docs = compile(job.options);
  if (job.out === undefined || isStreamFile(job.out)) return { kind: 'stream', text: toStream(docs) };
  const files = bundleFiles(docs);
  files.set(RECORD_FILE, recordText(recordedOptions(job.options), [...files.keys()]));
  return { kind: 'dir', files };
}

function write(job: Job, o: Output): void {
  if (o.kind === 'dir') writeBundleDir(job.out!, o.files);
  else if (job.out === undefined) writeStdout(o.text);
  else writeStreamFile(job.out, o.text);
}

function check(job: Job, o: Output): Drift[] {
  if (job.out === undefined) throw new InputError('--check: nothing to compare with; give a bundle directory, --out, or a config whose bundles have an out');
  return o.kind === 'dir' ? checkBundleDir(job.out, o.files) : checkStreamFile(job.out, o.text);
}

async function jobsOf(flags: Flags, dirs: string[], options: RawOptions): Promise<Job[]> {
  if (dirs.length > 0) {
    if (!flags.check && !flags.diff) throw new InputError(`unexpected argument ${JSON.stringify(dirs[0])}: bundle directories are given only with --check`);
    if (flags.config || flags.out) throw new InputError('--check: bundle directories, or --config / --out, not both');
    const jobs: Job[] = [];
    for (const dir of dirs) {
      if (!existsSync(join(dir, RECORD_FILE))) throw new InputError(`--check ${dir}: no ${RECORD_FILE} here; not a pss-compile bundle directory`);
      jobs.push(...await jobsFromRecord(dir, options));
    }
    return jobs;
  }
  if (flags.config) return jobsFromConfig(flags.config, options, flags.out);
  return [{ options: resolveJob(options), ...(flags.out === undefined ? {} : { out: flags.out }) }];
}

/** commander's message on one line, with its "did you mean" kept and one added for a mistyped choice */
function commanderMessage(message: string): string {
  const text = message.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)').replace(/\n/g, ' ');
  const choice = /argument '(.*)' is invalid\. Allowed choices are (.*)\.$/.exec(text);
  const near = choice ? nearest(choice[1]!, choice[2]!.split(', ')) : undefined;
  return near ? `${text} (did you mean ${near}?)` : text;
}

async function run(argv: string[]): Promise<number> {
  if (versionOnly(argv.slice(2))) {
    writeStdout(`${PACKAGE_VERSION}\n`);
    return 0;
  }
  const cmd = program();
  let printed: string | undefined;
  modelCommands(cmd, (text) => { printed = text; });
  let checked: { output: string; code: number } | undefined;
  checkCommand(cmd, (result) => { checked = result; });
  try {
    await cmd.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 0;
      // commander's "(Did you mean --level?)" is on a second line: keep it
      throw new InputError(commanderMessage(e.message));
    }
    throw e;
  }
  if (checked !== undefined) {
    writeStdout(checked.output);
    return checked.code;
  }
  if (printed !== undefined) {
    writeStdout(printed);
    return 0;
  }
  const flags = cmd.opts<Flags>();
  const { config: _c, out: _o, check: _k, diff: _d, ...rest } = flags;
  const options = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as RawOptions;
  const jobs = await jobsOf(flags, cmd.args, options);
  // every bundle compiles before any is written: bad input never leaves a partial set
  const outputs = jobs.map(output);
  if (!flags.check && !flags.diff) {
    jobs.forEach((job, i) => write(job, outputs[i]!));
    return 0;
  }
  const drift = jobs.flatMap((job, i) => check(job, outputs[i]!));
  const report = drift.map((d) => `${d.state}: ${d.path}\n`).join('') + (flags.diff ? drift.map((d) => d.diff()).join('') : '');
  writeStdout(report || jobs.map((j) => `up to date: ${j.out}\n`).join(''));
  if (drift.length > 0) {
    process.stderr.write(`pss-compile: ${drift.length} file${drift.length === 1 ? '' : 's'} would change; run without --check to write them\n`);
    return 1;
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof ClosedPipe) return 1;
    const usage = e instanceof InputError;
    const message = usage || e instanceof EnvironmentError ? (e as Error).message : `internal error: ${(e as Error).message}`;
    process.stderr.write(`pss-compile: ${escapeControl(message)}\n`);
    return usage ? 2 : 1;
  }
}
