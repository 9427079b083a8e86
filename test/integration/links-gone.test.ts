/**
 * ferry links against the real servers: times in this machine's zone, and a live link whose
 * object was deleted marked as such (one-link shares and private links by their files), while a
 * server that cannot be asked leaves the links unmarked and says so once.
 */
import { writeFile } from 'node:fs/promises';
import { silentServer } from '../support/silent-server';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { servers, tempDir, uniqueName } from '../support/helpers';
import { cli } from '../unit/cli/harness';

interface Listed {
  key: string;
  createdAt: string;
  share?: { files: number };
  private?: { objects: string[] };
  objectGone?: boolean;
  filesGone?: number;
}

describe.each(servers())('ferry links on $name', (server) => {
  const opts = { dataDir: '', secrets: new MemorySecretStore() };
  const account = uniqueName('gone');
  const bucket = uniqueName('gone');
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = await cli([...argv, '--account', account], { ...opts, env });
    expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const listed = async () => JSON.parse((await run(['links', '--json'])).stdout) as Listed[];

  beforeAll(async () => {
    opts.dataDir = await tempDir();
    const added = await cli(['accounts', 'add', account, '--provider', server.provider, '--endpoint-url', server.endpoint], { ...opts, input: `${server.accessKeyId}\n${server.secretAccessKey}\n` });
    expect(added.code, added.stderr).toBe(0);
    await run(['mb', `s3://${bucket}`]);
    const dir = await tempDir();
    for (const name of ['a.txt', 'b.txt', 'c1.txt', 'c2.txt', 'c3.txt', 'p1.txt', 'p2.txt']) await writeFile(join(dir, name), `${name}\n`);
    await run(['share', join(dir, 'a.txt'), `s3://${bucket}/plain/`]);
    await run(['share', join(dir, 'b.txt'), `s3://${bucket}/kept/`]);
    await run(['share', join(dir, 'c1.txt'), join(dir, 'c2.txt'), join(dir, 'c3.txt'), `s3://${bucket}/many/`, '--one-link']);
    await run(['share', join(dir, 'p1.txt'), join(dir, 'p2.txt'), `s3://${bucket}/secret/`, '--private']);
  });

  it('all there: nothing is marked, and --json says so of each link', async () => {
    const r = await run(['links']);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/deleted/);
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
    for (const link of await listed()) expect(link.objectGone).toBe(false);
  });

  it('a deleted object, a deleted file of a one-link share and of a private link: each link marked, the others not', async () => {
    const before = await listed();
    const privateLink = before.find((l) => l.private)!;
    await run(['rm', `s3://${bucket}/plain/a.txt`]);
    await run(['rm', `s3://${bucket}/many/c2.txt`]);
    await run(['rm', `s3://${bucket}/${privateLink.private!.objects[0]}`]);
    const r = await run(['links']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.find((l) => l.includes('plain/a.txt'))).toMatch(/ {2}s3:\/\/\S+\/plain\/a\.txt {2}\(no object there now: the link opens nothing\)$/);
    expect(lines.find((l) => l.includes('kept/b.txt'))).toMatch(/ {2}s3:\/\/\S+\/kept\/b\.txt$/);
    expect(lines.find((l) => l.includes('as one link'))).toMatch(/as one link \(3 files\) {2}\(1 of 3 files deleted\)$/);
    expect(lines.find((l) => l.includes('private link'))).toMatch(/2 encrypted files in \S+ {2}\(1 of 2 files deleted\)$/);

    const json = await listed();
    expect(json.map((l) => [l.key.split('/')[0], l.objectGone, l.filesGone])).toEqual(
      // Newest first: the private link, the share, kept, plain.
      [
        ['.ferry', false, 1],
        ['.ferry', false, 1],
        ['kept', false, undefined],
        ['plain', true, undefined],
      ],
    );
  });

  it("a one-link share whose page was deleted opens nothing: said so", async () => {
    const share = (await listed()).find((l) => l.share)!;
    await run(['rm', `s3://${bucket}/${share.key}`]);
    const r = await run(['links']);
    expect(r.stdout.split('\n').find((l) => l.includes('as one link'))).toMatch(/ {2}\(page deleted: the link opens nothing\)$/);
    expect((await listed()).find((l) => l.share)).toMatchObject({ objectGone: true });
  });

  it("times are this machine's, to the minute: TZ names the zone", async () => {
    const [newest] = await listed();
    const at = (tz: string) => run(['links'], { TZ: tz }).then((r) => r.stdout.split('\n')[0]!.slice(0, 16));
    const utc = await at('UTC');
    expect(utc).toBe(newest!.createdAt.slice(0, 16).replace('T', ' '));
    const newYork = await at('America/New_York');
    // Four or five hours behind UTC, as daylight saving time has it.
    const behind = (Date.parse(`${utc.replace(' ', 'T')}:00Z`) - Date.parse(`${newYork.replace(' ', 'T')}:00Z`)) / 3_600_000;
    expect([4, 5]).toContain(behind);
    expect(await at('Asia/Kolkata')).not.toBe(utc);
  });
});

describe('ferry links where the server cannot be asked', () => {
  it('a server that takes the connection and never answers: listed within the deadline, unmarked, said once', async () => {
    const silent = await silentServer();
    try {
      const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL: silent.endpoint };
      const dataDir = await tempDir();
      for (const key of ['one', 'two', 'three']) expect((await cli(['presign', `s3://bucket/${key}`], { env, dataDir })).code).toBe(0);
      const started = Date.now();
      const r = await cli(['links'], { env, dataDir });
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(3);
      expect(r.stdout).not.toMatch(/deleted/);
      expect(r.stderr).toBe("ferry: could not check whether 3 links' files are still there: no answer within 5 s. They are listed unmarked.\n");
      expect(silent.connections()).toBeGreaterThan(0);
    } finally {
      silent.close();
    }
  });
});
