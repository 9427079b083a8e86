import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { KeychainSecretStore } from '../../main/core/secrets/secrets';
import { uniqueName } from '../support/helpers';

describe('credentials in the real keychain (gnome-keyring over the Secret Service API)', () => {
  beforeAll(() => {
    Object.assign(process.env, inject('keyring'));
  });

  it('round-trips keys under the service name "Ferry" and deletes them', async () => {
    const store = new KeychainSecretStore();
    const account = uniqueName('kc');
    const creds = { accessKeyId: 'AKIAEXAMPLE123', secretAccessKey: 'secret/with+special=chars', sessionToken: 'token-xyz' };
    expect(await store.get(account)).toBeUndefined();
    await store.set(account, creds);
    expect(await store.get(account)).toEqual(creds);

    // What another program sees in the keychain: one item for the account, under "Ferry".
    const keytar = createRequire(__filename)('keytar') as { findCredentials(s: string): Promise<Array<{ account: string; password: string }>> };
    const items = (await keytar.findCredentials('Ferry')).filter((i) => i.account === account);
    expect(items).toHaveLength(1);
    expect(JSON.parse(items[0]!.password)).toMatchObject({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });

    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeUndefined();
    expect(await store.delete(account)).toBe(false);
  });

  it('refuses to work, with a reason, when no Secret Service is running', async () => {
    // keytar reads the bus address once per process, so ask a fresh process.
    const { spawnSync } = await import('node:child_process');
    const script = `
      const { KeychainSecretStore } = require(${JSON.stringify(require.resolve('../../main/core/secrets/secrets.ts'))});
      new KeychainSecretStore().set('x', { accessKeyId: 'a', secretAccessKey: 'b' }).then(
        () => console.log('stored'),
        (e) => console.log(e.code + ': ' + e.message));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
      encoding: 'utf8',
    });
    expect(r.stdout).toMatch(/^KEYCHAIN_UNAVAILABLE: The system keychain is not available/);
  });
});
