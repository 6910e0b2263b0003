import type { CustomResource } from './custom-resource';
import { labelsOf } from './settings';

/**
 * Each deployment's own PostgreSQL as a CloudNativePG Cluster: three instances (a primary and two
 * replicas in other nodes), one of them a synchronous replica, so a committed transfer survives
 * the loss of the primary; base backups every night and the WAL archived continuously through the
 * Barman Cloud plugin to an object store, so it can be restored to any moment since the oldest
 * backup kept (point-in-time recovery: docs/deployment.md). PostgreSQL's image is the operator's
 * default for its version (set `imageName` in an overlay to pin one).
 */
export const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';

export interface DatabaseShape {
  /** The Cluster's name (its Secret `<name>-app` holds the application's connection string). */
  name: string;
  /** The application database and its owner. */
  database: string;
  storage: string;
}

export const objectStoreName = (database: DatabaseShape) => `${database.name}-backups`;

export function postgresCluster(database: DatabaseShape): CustomResource {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: database.name, labels: labelsOf(database.name, 'database') },
    spec: {
      instances: 3,
      primaryUpdateStrategy: 'unsupervised',
      // One standby confirms every commit before it is answered; with `any`, whichever is first.
      postgresql: {
        synchronous: { method: 'any', number: 1, dataDurability: 'required' },
        parameters: { max_connections: '200', wal_keep_size: '1GB' },
      },
      bootstrap: { initdb: { database: database.database, owner: 'wallet' } },
      storage: { size: database.storage },
      walStorage: { size: '10Gi' },
      affinity: { podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
      monitoring: { enablePodMonitor: true },
      plugins: [
        { name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: objectStoreName(database) } },
      ],
    },
  };
}

export function scheduledBackup(database: DatabaseShape): CustomResource {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'ScheduledBackup',
    metadata: { name: `${database.name}-nightly`, labels: labelsOf(database.name, 'database') },
    spec: {
      schedule: '0 0 2 * * *', // seconds first: 02:00 every day
      backupOwnerReference: 'self',
      immediate: true,
      cluster: { name: database.name },
      method: 'plugin',
      pluginConfiguration: { name: BARMAN_PLUGIN },
    },
  };
}

/**
 * Where the backups and the WAL archive go (Barman Cloud plugin). The overlay names the bucket
 * path of its own deployment; the credentials are a Secret `backup-credentials` the operator makes.
 */
export function objectStore(database: DatabaseShape, destinationPath: string): CustomResource {
  return {
    apiVersion: 'barmancloud.cnpg.io/v1',
    kind: 'ObjectStore',
    metadata: { name: objectStoreName(database), labels: labelsOf(database.name, 'database') },
    spec: {
      retentionPolicy: '30d',
      configuration: {
        destinationPath,
        s3Credentials: {
          accessKeyId: { name: 'backup-credentials', key: 'ACCESS_KEY_ID' },
          secretAccessKey: { name: 'backup-credentials', key: 'ACCESS_SECRET_KEY' },
        },
        wal: { compression: 'gzip' },
        data: { compression: 'gzip' },
      },
    },
  };
}
