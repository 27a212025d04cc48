import type { Rule } from '../rules/ir.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** One revision of a check: from `since` (minor of v1.N) until the next revision. */
export interface Revision {
  since: number;
  rule: Omit<Rule, 'check'>;
  /** baseline checks this restricted revision replaces */
  overrides?: readonly string[];
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** the Pod Security Standards control it enforces, in one line */
  summary: string;
  revisions: readonly Revision[];
}
