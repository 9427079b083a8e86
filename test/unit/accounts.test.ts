import { readFile, writeFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accountFromInput } from '../../main/core/accounts/accounts';
import { Ferry } from '../../main/core/ferry';
import { MemorySecretStore, type Credentials } from '../../main/core/secrets/secrets';
import { tempDir } from '../support/helpers';

const now = new Date('2026-11-29T12:00:00Z');
const keys: Credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

describe('provider presets', () => {
  it('fill in what each provider needs', () => {
    const aws = accountFromInput({ name: 'a', provider: 'aws' }, now);
    expect(aws).toMatchObject({ provider: 'aws', region: 'us-east-1', pathStyle: false, checksums: 'when-supported' });
    expect(aws.endpoint).toBeUndefined();

    const storj = accountFromInput({ name: 's', provider: 'storj' }, now);
    expect(storj).toMatchObject({ endpoint: 'https://gateway.storjshare.io', checksums: 'when-required', partSize: 64 * 1024 * 1024 });

    const r2 = accountFromInput({ name: 'r', provider: 'r2', endpoint: 'https://abc123.r2.cloudflarestorage.com' }, now);
    expect(r2).toMatchObject({ region: 'auto', checksums: 'when-required' });

    expect(accountFromInput({ name: 'm', provider: 'minio', endpoint: 'http://localhost:9000/' }, now)).toMatchObject({
      endpoint: 'http://localhost:9000',
      pathStyle: true,
      checksums: 'when-required',
    });
    expect(accountFromInput({ name: 'c', provider: 'ceph', endpoint: 'http://rgw:7480' }, now)).toMatchObject({ pathStyle: true });
    expect(accountFromInput({ name: 'b', provider: 'b2', region: 'eu-central-003' }, now).endpoint).toBe('https://s3.eu-central-003.backblazeb2.com');
    expect(accountFromInput({ name: 'w', provider: 'wasabi', region: 'eu-central-1' }, now).endpoint).toBe('https://s3.eu-central-1.wasabisys.com');
  });

  it('asks for the endpoint where the provider has none to offer', () => {
    expect(() => accountFromInput({ name: 'r', provider: 'r2' }, now)).toThrow(/r2\.cloudflarestorage\.com/);
    expect(() => accountFromInput({ name: 'm', provider: 'minio' }, now)).toThrow(/--endpoint-url/);
  });

  it('refuses bad names, providers and endpoints with a reason', () => {
    expect(() => accountFromInput({ name: 'no spaces', provider: 'aws' }, now)).toThrow(/cannot be an account name/);
    expect(() => accountFromInput({ name: 'x', provider: 'dropbox' }, now)).toThrow(/Choose one of: aws, storj/);
    expect(() => accountFromInput({ name: 'x', provider: 'other', endpoint: 'gateway.storjshare.io' }, now)).toThrow(/not a URL/);
    expect(() => accountFromInput({ name: 'x', provider: 'other', endpoint: 'ftp://host' }, now)).toThrow(/https:\/\/ or http:\/\//);
    expect(() => accountFromInput({ name: 'x', provider: 'other', endpoint: 'https://key:secret@host' }, now)).toThrow(/must not contain a user name or password/);
  });
});

class FailingSecretStore extends MemorySecretStore {
  override async set(): Promise<void> {
    throw Object.assign(new Error('keychain says no'), {});
  }
}

describe('adding and removing accounts', () => {
  it('keeps secrets out of the settings file and every other file it writes', async () => {
    const dataDir = await tempDir();
    const secrets = new MemorySecretStore();
    const f = new Ferry({ dataDir, secrets, env: {} });
    await f.addAccount({ name: 'work', provider: 'storj' }, keys);
    await f.links.add({ account: 'work', endpoint: 'https://gateway.storjshare.io', bucket: 'b', key: 'k', createdAt: now.toISOString(), expiresAt: now.toISOString() });
    expect(await secrets.get('work')).toEqual(keys);
    for (const file of await readdir(dataDir)) {
      const text = await readFile(join(dataDir, file), 'utf8');
      expect(text).not.toContain(keys.secretAccessKey);
      expect(text).not.toContain(keys.accessKeyId);
    }
    const profile = await f.resolveProfile({ account: 'work' });
    expect(profile.credentials).toEqual(keys);
    expect(profile.partSize).toBe(64 * 1024 * 1024);
  });

  it('writes no settings when the keychain refuses the secret', async () => {
    const dataDir = await tempDir();
    const f = new Ferry({ dataDir, secrets: new FailingSecretStore(), env: {} });
    await expect(f.addAccount({ name: 'work', provider: 'storj' }, keys)).rejects.toThrow(/keychain says no/);
    expect(await f.listAccounts()).toEqual([]);
    await expect(readdir(dataDir)).resolves.toEqual([]);
  });

  it('removes the secret again when the settings cannot be written', async () => {
    const parent = await tempDir();
    const dataDir = join(parent, 'data');
    await writeFile(dataDir, 'a file where the data folder should be');
    const secrets = new MemorySecretStore();
    const f = new Ferry({ dataDir, secrets, env: {} });
    await expect(f.addAccount({ name: 'work', provider: 'storj' }, keys)).rejects.toThrow();
    expect(await secrets.get('work')).toBeUndefined();
  });

  it('rejects duplicates and unknown names clearly, and removes both halves of an account', async () => {
    const dataDir = await tempDir();
    const secrets = new MemorySecretStore();
    const f = new Ferry({ dataDir, secrets, env: {} });
    await f.addAccount({ name: 'work', provider: 'storj' }, keys);
    await expect(f.addAccount({ name: 'work', provider: 'storj' }, keys)).rejects.toThrow(/already exists/);
    await expect(f.resolveProfile({ account: 'home' })).rejects.toThrow(/no account named "home". Known accounts: work/);
    await f.removeAccount('work');
    expect(await secrets.get('work')).toBeUndefined();
    expect(await f.listAccounts()).toEqual([]);
  });

  it('explains a settings file it cannot understand instead of overwriting it', async () => {
    const dataDir = await tempDir();
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'settings.json'), '{ "version": 1, "accounts": [ ');
    const f = new Ferry({ dataDir, secrets: new MemorySecretStore(), env: {} });
    await expect(f.listAccounts()).rejects.toThrow(/not valid JSON/);
    await expect(f.addAccount({ name: 'x', provider: 'storj' }, keys)).rejects.toThrow(/not valid JSON/);
    expect(await readFile(join(dataDir, 'settings.json'), 'utf8')).toBe('{ "version": 1, "accounts": [ ');
  });
});

describe('choosing credentials', () => {
  it('uses AWS_* variables like the AWS CLI, with --endpoint-url and --region on top', async () => {
    const f = new Ferry({
      dataDir: await tempDir(),
      secrets: new MemorySecretStore(),
      env: { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'SECRET', AWS_SESSION_TOKEN: 'TOKEN', AWS_ENDPOINT_URL: 'https://s3.example.com', AWS_REGION: 'eu-west-1' },
    });
    const p = await f.resolveProfile();
    expect(p).toMatchObject({ name: 'environment', provider: 'other', endpoint: 'https://s3.example.com', region: 'eu-west-1', checksums: 'when-required' });
    expect(p.credentials).toMatchObject({ accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' });
    expect(await f.resolveProfile({ endpointUrl: 'http://127.0.0.1:9000', region: 'us-west-2' })).toMatchObject({ endpoint: 'http://127.0.0.1:9000', region: 'us-west-2' });
  });

  it('says how to start when there are no credentials at all', async () => {
    const f = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: {} });
    await expect(f.resolveProfile()).rejects.toThrow(/ferry accounts add NAME/);
  });

  it('explains a keychain that has no entry for an account (or is locked)', async () => {
    const dataDir = await tempDir();
    const secrets = new MemorySecretStore();
    const f = new Ferry({ dataDir, secrets, env: {} });
    await f.addAccount({ name: 'work', provider: 'storj' }, keys);
    await secrets.delete('work');
    await expect(f.resolveProfile()).rejects.toThrow(/keychain has no credentials for account "work" \(a locked keychain/);
  });
});
