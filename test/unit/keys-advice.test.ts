/**
 * What a message says to do about keys: the CLI names the command that works for the account
 * (ferry accounts update NAME --keys), keys from AWS_* variables name the variables, and the
 * window says the same in its own words (the account's settings), never a CLI command.
 */
import { describe, expect, it } from 'vitest';
import { forWindow } from '../../main/app/window-words';
import { Ferry } from '../../main/core/ferry';
import { ENV_PROFILE_NAME, toFerryError } from '../../main/core/s3/errors';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { tempDir } from '../support/helpers-fs';

const sdkError = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 403 } });
const endpoint = 'https://s3.example.test';

describe('refused keys', () => {
  it('a wrong secret or an unknown key ID names the account in the command that fixes it', () => {
    expect(toFerryError(sdkError('SignatureDoesNotMatch'), { endpoint, account: 'work' }).message).toBe(
      `${endpoint} rejected the request signature: the secret access key is wrong for this access key ID. Give the right keys with: ferry accounts update work --keys`,
    );
    expect(toFerryError(sdkError('InvalidAccessKeyId'), { endpoint, account: 'work' }).message).toBe(`${endpoint} does not know this access key ID. Give the right keys with: ferry accounts update work --keys`);
  });

  it('keys from the environment are no account: the advice is the variables', () => {
    const m = toFerryError(sdkError('SignatureDoesNotMatch'), { endpoint, account: ENV_PROFILE_NAME }).message;
    expect(m).toMatch(/Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: this command took its keys from them\.$/);
    expect(m).not.toMatch(/accounts update/);
  });

  it('no placeholder reaches a user, even where the account is not known', () => {
    for (const account of ['work', ENV_PROFILE_NAME, undefined]) {
      expect(toFerryError(sdkError('SignatureDoesNotMatch'), { endpoint, ...(account ? { account } : {}) }).message).not.toMatch(/<|>/);
    }
  });

  it('the window says the settings, never a CLI command', () => {
    const wrongSecret = forWindow(toFerryError(sdkError('SignatureDoesNotMatch'), { endpoint, account: 'work' }).message);
    expect(wrongSecret).toBe(`${endpoint} rejected the request signature: the secret access key is wrong for this access key ID. Type the right keys in the account’s settings and save again.`);
    const unknownKey = forWindow(toFerryError(sdkError('InvalidAccessKeyId'), { endpoint, account: 'my.account_2' }).message);
    expect(unknownKey).toBe(`${endpoint} does not know this access key ID. Type the right keys in the account’s settings and save again.`);
  });

  it('a missing keychain entry and a taken name say update in the CLI, the settings in the window', async () => {
    const dataDir = await tempDir();
    const secrets = new MemorySecretStore();
    const ferry = new Ferry({ dataDir, secrets, env: {} });
    const account = { name: 'work', provider: 'minio', endpoint: 'https://minio.example.test' };
    await ferry.addAccount(account, { accessKeyId: 'AK', secretAccessKey: 'SK' });
    // The keychain lost the entry (another keychain, a reinstall).
    await secrets.delete('work');
    const missing = await ferry.resolveProfile({ account: 'work' }).catch((e: Error) => e.message);
    expect(missing).toMatch(/Unlock the keychain, or give its keys again with: ferry accounts update work --keys$/);
    expect(forWindow(missing as string)).toMatch(/Unlock the keychain, or type its keys again in the account’s settings\.$/);
    const taken = await ferry.addAccount(account, { accessKeyId: 'AK', secretAccessKey: 'SK' }).catch((e: Error) => e.message);
    expect(taken).toBe('An account named "work" already exists. Choose another name, or change that account with: ferry accounts update work --keys (or --endpoint-url, --region)');
    expect(forWindow(taken as string)).toBe('An account named "work" already exists. Choose another name, or change that account in its settings.');
    for (const m of [missing, taken].map((x) => forWindow(x as string))) expect(m).not.toMatch(/ferry |--keys|re-add|add it again/i);
  });
});
