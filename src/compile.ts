// The one entry point from options to documents: model → rules → target.
import type { Document } from './bundle.js';
import type { CompileOptions, Target } from './options.js';
import { gatekeeper } from './targets/gatekeeper/index.js';
import { kyverno } from './targets/kyverno/index.js';
import { vap } from './targets/vap/index.js';

const TARGET_COMPILERS: Record<Target, (o: CompileOptions) => Document[]> = { gatekeeper, vap, kyverno };

export function compile(o: CompileOptions): Document[] {
  return TARGET_COMPILERS[o.target](o);
}
