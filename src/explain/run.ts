// The explain and diff subcommands minus argument parsing: validate, compute, render.
import { InputError } from '../options.js';
import { LEVELS, type Level } from '../model/types.js';
import { LATEST, parseVersion, type PolicyVersion } from '../model/version.js';
import { diffVersions, explain } from './explain.js';
import { formatDiff, formatExplanation } from './format.js';

function level(text: string): Level {
  if ((LEVELS as readonly string[]).includes(text)) return text as Level;
  throw new InputError(`level "${text}": must be one of ${LEVELS.join(', ')}`);
}

function version(text: string): PolicyVersion {
  try {
    return parseVersion(text);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

const json = (data: unknown): string => JSON.stringify(data, null, 2) + '\n';

/** `explain --level L [--policy-version V] [--json]`: the text to print. */
export function runExplain(args: { level: string; policyVersion?: string; json?: boolean }): string {
  const e = explain(level(args.level), version(args.policyVersion ?? LATEST));
  return args.json ? json(e) : formatExplanation(e);
}

/** `diff --level L V1 V2 [--json]`: the text to print. */
export function runDiff(args: { level: string; from: string; to: string; json?: boolean }): string {
  const l = level(args.level);
  const d = diffVersions(l, version(args.from), version(args.to));
  return args.json ? json(d) : formatDiff(d);
}
