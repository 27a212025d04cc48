import type { Check } from '../types.js';
import { procMountRule } from './procMount.js';

// Restricted keeps the strict rule for user-namespace pods by replacing the baseline check.
export const procMount_restricted: Check = {
  id: 'procMount_restricted',
  level: 'restricted',
  revisions: [{ since: 35, rule: procMountRule, overrides: ['procMount'] }],
};
