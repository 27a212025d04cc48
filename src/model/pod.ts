// The parts of the Pod shape that checks read, named once.
import { eq } from '../rules/build.js';
import type { Path } from '../rules/ir.js';

/** Upstream visits init containers, then containers, then ephemeral containers. */
export const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/**
 * The one field the checks read that Go writes as null when it is empty (it
 * has no omitempty tag): a pod converted from its typed form holds no other
 * null, and no zero value in an omitempty field.
 */
export const NULL_WHEN_EMPTY: readonly string[] = ['containers'];

export const podSC = (...field: string[]): Path => ['securityContext', ...field];
export const containerSC = podSC;

/** spec.os.name == "windows" (exact) */
export const windowsPod = eq(['os', 'name'], 'windows');
/** spec.hostUsers explicitly false; unset does not count */
export const userNamespacePod = eq(['hostUsers'], false);

/** Volume sources restrictedVolumes allows (retroactively to v1.0). */
export const ALLOWED_VOLUME_SOURCES = [
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image',
  'persistentVolumeClaim', 'projected', 'secret',
] as const;

/** Restricted volume sources, in the order upstream names a volume's type. */
export const RESTRICTED_VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi',
  'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'storageos',
] as const;

/** Every VolumeSource field; the API server defaults a volume with none of them to emptyDir. */
export const VOLUME_SOURCES = [...ALLOWED_VOLUME_SOURCES, ...RESTRICTED_VOLUME_SOURCES] as const;

/** The Pod resource itself, as admission requests name it. */
export const POD = { group: '', version: 'v1', resource: 'pods', kind: 'Pod' } as const;

/** Workload resources whose pod template PSA checks (warn and audit only), and where the template sits. */
export const WORKLOAD_TEMPLATES = [
  { group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', template: ['spec', 'template'] },
  { group: '', version: 'v1', resource: 'podtemplates', kind: 'PodTemplate', template: ['template'] },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', template: ['spec', 'template'] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', template: ['spec', 'template'] },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', template: ['spec', 'template'] },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', template: ['spec', 'template'] },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', template: ['spec', 'template'] },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', template: ['spec', 'jobTemplate', 'spec', 'template'] },
] as const;
