/**
 * The CLI in-process: run(argv, io) with streams in memory, a private data folder and keys kept
 * in memory, so parsing, help and usage errors are checked in milliseconds with no server.
 * What needs a real process (signals, pipes, a terminal) stays with the spawned tests.
 */
import { PassThrough } from 'node:stream';
import { run } from '../../../main/cli/run';
import { MemorySecretStore, type SecretStore } from '../../../main/core/secrets/secrets';
import { tempDir } from '../../support/helpers-fs';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Keys that sign links but reach no server (nothing listens on port 9). */
export const OFFLINE_AWS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

export async function cli(argv: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; dataDir?: string; secrets?: SecretStore; stderrTTY?: boolean } = {}): Promise<Ran> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), opts.stderrTTY ? { isTTY: true, columns: 80 } : {});
  const stdin = new PassThrough();
  stdin.end(opts.input ?? '');
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const env = { FERRY_DATA_DIR: opts.dataDir ?? (await tempDir()), ...opts.env };
  const code = await run(argv, { stdout, stderr, stdin, env, secrets: opts.secrets ?? new MemorySecretStore() });
  return { code, stdout: out, stderr: err };
}
