import type { TestProject } from 'vitest/node';
import { startKeyring } from './keyring';
import { startGateway } from './rgw';

declare module 'vitest' {
  export interface ProvidedContext {
    gateway: { endpoint: string; accessKeyId: string; secretAccessKey: string; conf: string };
    keyring: { DBUS_SESSION_BUS_ADDRESS: string; HOME: string; XDG_DATA_HOME: string; XDG_RUNTIME_DIR: string };
  }
}

/** Starts the real S3 server (Ceph RADOS Gateway) and a real keychain once for the whole run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [gateway, keyring] = await Promise.all([startGateway({ storeBytes: 4 * 1024 ** 3 }), startKeyring()]);
  project.provide('gateway', { endpoint: gateway.endpoint, accessKeyId: gateway.accessKeyId, secretAccessKey: gateway.secretAccessKey, conf: gateway.conf });
  project.provide('keyring', keyring.env);
  return async () => {
    await Promise.all([gateway.stop(), keyring.stop()]);
  };
}
