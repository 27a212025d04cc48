import { any, containers, nonEmpty, plural, quoted } from '../../rules/build.js';
import type { Path, ValueSource } from '../../rules/ir.js';
import type { Check } from '../types.js';

const HANDLERS: readonly Path[] = [
  ['livenessProbe'], ['readinessProbe'], ['startupProbe'],
  ['lifecycle', 'postStart'], ['lifecycle', 'preStop'],
];
const HOSTS: readonly Path[] = HANDLERS.flatMap((h) => [[...h, 'httpGet', 'host'], [...h, 'tcpSocket', 'host']]);

const hostValues: ValueSource[] = HOSTS.map((path) => ({ anchor: 'containers', path, unset: '', keep: nonEmpty([]) }));

export const hostProbesAndHostLifecycle: Check = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  summary: 'Host Probes / Lifecycle Hooks: probe and lifecycle handlers must not set a host',
  revisions: [{
    since: 34,
    rule: {
      collections: {
        // upstream collects these containers in a set: sorted, not visit order
        bad: { kind: 'containerNames', where: any(...HOSTS.map(nonEmpty)), sorted: true },
        hosts: { kind: 'values', from: hostValues },
      },
      failWhen: ['bad'],
      reason: 'probe or lifecycle host',
      detail: [
        containers('bad'), ' ', plural('uses', 'use', 'bad'), ' ',
        plural('probe or lifecycle host', 'probe or lifecycle hosts', 'hosts'), ' ', quoted('hosts'),
      ],
    },
  }],
};
