import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cliEnv, gateway, randomFile, sha256File, tempDir, uniqueName } from '../support/helpers';

/** Runs the built CLI and returns the packages (under node_modules) it loaded, and its output. */
async function loaded(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ packages: string[]; stdout: string; code: number | null }> {
  const dir = await tempDir();
  const trace = join(dir, 'trace.cjs');
  const out = join(dir, 'loaded.json');
  await writeFile(trace, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
  const r = spawnSync(process.execPath, ['-r', trace, CLI, ...args], { env: cliEnv(await tempDir(), extra), encoding: 'utf8' });
  const files = JSON.parse(await readFile(out, 'utf8')) as string[];
  const packages = [...new Set(files.filter((f) => f.includes('/node_modules/')).map((f) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)![1]!))].sort();
  return { packages, stdout: r.stdout, code: r.status };
}

const AWS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

describe('start-up: commands load only what they use', () => {
  it('--version and --help load no package at all', async () => {
    const version = await loaded(['--version']);
    expect(version).toEqual({ packages: [], stdout: '0.1.0\n', code: 0 });
    const help = await loaded(['--help']);
    expect(help.packages).toEqual([]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ferry: upload files to S3-compatible storage/);
  });

  it('presign and links start without the S3 SDK, the keychain or zod (settings and history are read by shape.ts)', async () => {
    const r = await loaded(['presign', 's3://bucket/k'], AWS);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^http:\/\/127\.0\.0\.1:9\/bucket\/k\?/);
    expect(r.packages).toEqual([]);
    const links = await loaded(['links'], AWS);
    expect(links.code).toBe(0);
    expect(links.packages).toEqual([]);
  });

  it('listing, a small upload and a download send their requests without loading the S3 SDK (Ferry signs and sends them itself)', async () => {
    const g = gateway();
    const env = { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint };
    const bucket = uniqueName('lean');
    // Making a bucket is the SDK's work: the control that the trace sees it load.
    const mb = await loaded(['mb', `s3://${bucket}`], env);
    expect(mb.code).toBe(0);
    expect(mb.packages).toContain('@aws-sdk/client-s3');
    const dir = await tempDir();
    const file = await randomFile(dir, 'small.bin', 200 * 1024);
    const up = await loaded(['cp', file.path, `s3://${bucket}/small.bin`, '--no-progress'], env);
    expect(up.code).toBe(0);
    const ls = await loaded(['ls', `s3://${bucket}/`], env);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/small\.bin/);
    const back = join(dir, 'back.bin');
    const down = await loaded(['cp', `s3://${bucket}/small.bin`, back, '--no-progress'], env);
    expect(down.code).toBe(0);
    expect(await sha256File(back)).toBe(file.sha256);
    for (const r of [up, ls, down]) expect(r.packages.filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'))).toEqual([]);
  });
});
