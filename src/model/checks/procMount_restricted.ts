import type { Check } from '../types.js';
import { procMountRule } from './procMount.js';

// Restricted keeps the strict rule for user-namespace pods by replacing the baseline check.
export const procMount_restricted: Check = {
  id: 'procMount_restricted',
  level: 'restricted',
  summary: '/proc Mount Type: only the Default proc mount is allowed, user-namespaced pods included',
  revisions: [{ since: 35, rule: procMountRule, overrides: ['procMount'] }],
};
