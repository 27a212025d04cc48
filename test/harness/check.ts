// Engine `check`: the rule representation evaluated in-process by
// src/evaluate, the engine `pss-compile check` runs from the npm package.
import { profile, type Profile } from '../../src/model/registry.js';
import { parseVersion } from '../../src/model/version.js';
import { evaluateRules, failureText, podView } from '../../src/evaluate/rules.js';
import type { Decision, Engine, EngineRequest, LevelVersion } from './engine.js';

export class CheckEngine implements Engine {
  readonly id = 'check';
  readonly exactMessages = true;
  private profiles = new Map<string, Profile>();

  async prepare(targets: readonly LevelVersion[]): Promise<void> {
    for (const t of targets) this.profileOf(t);
  }

  private profileOf(t: LevelVersion): Profile {
    const key = `${t.level}:${t.version}`;
    let p = this.profiles.get(key);
    if (!p) this.profiles.set(key, p = profile(t.level, parseVersion(t.version)));
    return p;
  }

  async evaluate(requests: readonly EngineRequest[]): Promise<Decision[]> {
    return requests.map((r) => {
      const failures = evaluateRules(this.profileOf(r.target).rules, podView(r.pod));
      const parts = failures.map(failureText);
      return { allowed: failures.length === 0, checks: failures.map((f) => f.check), message: parts.join(', '), parts };
    });
  }
}
