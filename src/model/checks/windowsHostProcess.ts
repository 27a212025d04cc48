import { isTrue, setters } from '../../rules/build.js';
import { containerSC, podSC } from '../pod.js';
import type { Check } from '../types.js';

// Applies to every OS: there is no Windows relaxation here.
export const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  summary: 'HostProcess: Windows HostProcess pods and containers are forbidden',
  revisions: [{
    since: 0,
    rule: {
      collections: {
        pod: { kind: 'podFlag', where: isTrue(podSC('windowsOptions', 'hostProcess')) },
        bad: { kind: 'containerNames', where: isTrue(containerSC('windowsOptions', 'hostProcess')) },
      },
      failWhen: ['pod', 'bad'],
      reason: 'hostProcess',
      detail: [setters('pod', 'bad'), ' must not set securityContext.windowsOptions.hostProcess=true'],
    },
  }],
};
