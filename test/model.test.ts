import { describe, expect, it } from 'vitest';
import { CHECKS } from '../src/model/checks/index.js';
import { CHECK_ORDER, NEWEST_MINOR, overridingCheck, profile } from '../src/model/registry.js';
import { clampMinor, parseVersion } from '../src/model/version.js';
import { resolveOptions } from '../src/options.js';
import { carriedEpochs, epochOf, labelledPolicy } from '../src/rules/labels.js';

const at = (level: 'baseline' | 'restricted', v: string) => profile(level, parseVersion(v)).rules.map((r) => r.check);

describe('versions', () => {
  it('parses latest and v1.N exactly as upstream', () => {
    expect(parseVersion('latest')).toEqual({ label: 'latest', minor: undefined });
    expect(parseVersion('v1.0')).toEqual({ label: 'v1.0', minor: 0 });
    expect(parseVersion('v1.37')).toEqual({ label: 'v1.37', minor: 37 });
    for (const bad of ['v1.01', '1.30', 'v1.30.1', 'v2.0', 'v0.9', 'v1.2.3', '', 'v1.', 'V1.3', ' v1.3']) {
      expect(() => parseVersion(bad), bad).toThrow(/must be "latest" or "v1.N"/);
    }
  });

  it('clamps latest and future versions to the newest revision', () => {
    expect(NEWEST_MINOR).toBe(37);
    expect(clampMinor(parseVersion('latest'), NEWEST_MINOR)).toBe(37);
    expect(clampMinor(parseVersion('v1.10000'), NEWEST_MINOR)).toBe(37);
    expect(profile('restricted', parseVersion('v1.40')).version.label).toBe('v1.40');
    expect(at('restricted', 'v1.40')).toEqual(at('restricted', 'v1.37'));
  });
});

describe('registry', () => {
  it('holds the 19 default checks: 12 baseline, 7 restricted, in upstream order', () => {
    expect(CHECKS).toHaveLength(19);
    expect(CHECK_ORDER.map((c) => c.id)).toEqual([
      'appArmorProfile', 'capabilities_baseline', 'hostNamespaces', 'hostPathVolumes', 'hostPorts',
      'hostProbesAndHostLifecycle', 'privileged', 'procMount', 'seLinuxOptions', 'seccompProfile_baseline',
      'sysctls', 'windowsHostProcess',
      'allowPrivilegeEscalation', 'capabilities_restricted', 'procMount_restricted', 'restrictedVolumes',
      'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted',
    ]);
  });

  // pss-semantics.md §4: checks per level at each version range
  it.each([
    ['v1.0', 11, 12], ['v1.7', 11, 12], ['v1.8', 11, 13], ['v1.19', 11, 13], ['v1.22', 11, 13],
    ['v1.23', 11, 14], ['v1.25', 11, 14], ['v1.33', 11, 14], ['v1.34', 12, 15], ['v1.35', 12, 15], ['v1.37', 12, 15],
  ])('at %s baseline has %i checks and restricted %i', (v, baseline, restricted) => {
    expect(at('baseline', v)).toHaveLength(baseline);
    expect(at('restricted', v)).toHaveLength(restricted);
  });

  it('replaces baseline checks with their restricted versions from the right minor', () => {
    expect(overridingCheck('hostPathVolumes', 0)).toBe('restrictedVolumes');
    expect(overridingCheck('seccompProfile_baseline', 18)).toBeUndefined();
    expect(overridingCheck('seccompProfile_baseline', 19)).toBe('seccompProfile_restricted');
    expect(overridingCheck('capabilities_baseline', 21)).toBeUndefined();
    expect(overridingCheck('capabilities_baseline', 22)).toBe('capabilities_restricted');
    expect(overridingCheck('procMount', 34)).toBeUndefined();
    expect(overridingCheck('procMount', 35)).toBe('procMount_restricted');
    expect(at('restricted', 'v1.35')).not.toContain('procMount');
    expect(at('restricted', 'v1.34')).toContain('procMount');
  });

  it('gives privileged no checks', () => {
    expect(profile('privileged', parseVersion('latest')).rules).toEqual([]);
  });
});

describe('namespace-label mode: versioned rules', () => {
  it('select, at every level and version, exactly the profile the registry derives', () => {
    for (const versions of ['all', [25, 37], [0]] as const) {
      const p = labelledPolicy('enforce', resolveOptions({ target: 'vap', level: 'restricted' }).modes, versions, false);
      for (const level of ['baseline', 'restricted'] as const) {
        for (let minor = 0; minor <= NEWEST_MINOR + 3; minor++) {
          const epoch = epochOf(Math.min(minor, NEWEST_MINOR));
          const selected = p.rules.flatMap((r) => r.revisions.filter((rev) => rev.inForce[level].includes(epoch)).map((rev) => rev.rule));
          if (!p.carried.includes(epoch)) {
            expect(selected, `${level} v1.${minor} not carried`).toEqual([]);
            continue;
          }
          expect(selected, `${level} v1.${minor}`).toEqual(profile(level, { label: `v1.${minor}`, minor }).rules);
        }
      }
    }
  });

  it('parse versions as upstream, up to Go\'s int', () => {
    expect(parseVersion('v1.9223372036854775807').label).toBe('v1.9223372036854775807');
    expect(() => parseVersion('v1.9223372036854775808')).toThrow();
    expect(() => parseVersion('v1.99999999999999999999')).toThrow();
    expect(carriedEpochs([24, 26, 99])).toEqual([23, 25, 37]);
  });
});
