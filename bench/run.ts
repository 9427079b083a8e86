/**
 * `npm run bench`: uploads one large file to the local RADOS Gateway with Ferry's CLI (and with
 * the AWS CLI, when Debian's awscli is installed, for a reference point), several times,
 * alternating, and reports medians of wall time, throughput, CPU seconds and peak memory.
 * The performance issue extends this to more cases and peers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { S3Client, CreateBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { startGateway } from '../test/support/rgw';
import { randomFile, tempDir } from '../test/support/helpers-fs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.FERRY_BENCH_SIZE_MIB ?? 1024) * MiB;
const REPEAT = Number(process.env.FERRY_BENCH_REPEAT ?? 3);
const CLI = resolve(__dirname, '../out/main/cli.js');
const AWS = '/usr/bin/aws';

interface Sample {
  wall: number;
  cpu: number;
  rss: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function measure(cmd: string[], env: NodeJS.ProcessEnv): Sample {
  const r = spawnSync('python3', [resolve(__dirname, 'measure.py'), ...cmd], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`measure.py failed (is python3 installed? apt-get install -y python3): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { exit: number; wall: number; user: number; sys: number; maxrss_bytes: number; stderr: string };
  if (out.exit !== 0) throw new Error(`${cmd.join(' ')} failed: ${out.stderr}`);
  return { wall: out.wall, cpu: out.user + out.sys, rss: out.maxrss_bytes };
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('Build first: npm run build');
  console.log(`Starting the local RADOS Gateway…`);
  const gw = await startGateway({ storeBytes: Math.max(4 * 1024 * MiB, SIZE * 3) });
  try {
    const dir = await tempDir('ferry-bench-');
    console.log(`Writing a ${SIZE / MiB} MiB test file…`);
    const file = await randomFile(dir, 'large.bin', SIZE);
    const bucket = 'ferry-bench';
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: gw.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: gw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
      AWS_ENDPOINT_URL: gw.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const clients: Array<{ name: string; cmd: string[] }> = [{ name: 'ferry cp', cmd: [process.execPath, CLI, 'cp', file.path, `s3://${bucket}/ferry.bin`] }];
    if (existsSync(AWS)) clients.push({ name: 'aws s3 cp (awscli 2)', cmd: [AWS, 's3', 'cp', '--no-progress', '--endpoint-url', gw.endpoint, file.path, `s3://${bucket}/aws.bin`] });
    else console.log(`(${AWS} not found: apt-get install -y awscli to compare with the AWS CLI)`);

    // A fresh memstore OSD allocates as it first fills: one unmeasured upload per client first.
    for (const c of clients) {
      measure(c.cmd, env);
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: c.cmd.at(-1)!.split('/').pop()! }));
    }
    const samples = new Map<string, Sample[]>(clients.map((c) => [c.name, []]));
    for (let i = 0; i < REPEAT; i++) {
      for (const c of clients) {
        const s = measure(c.cmd, env);
        samples.get(c.name)!.push(s);
        console.log(`  run ${i + 1} ${c.name}: ${s.wall.toFixed(2)} s, ${(SIZE / MiB / s.wall).toFixed(1)} MiB/s, CPU ${s.cpu.toFixed(2)} s, peak RSS ${(s.rss / MiB).toFixed(0)} MiB`);
        const key = c.cmd.at(-1)!.split('/').pop()!;
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }
    }
    s3.destroy();

    const gib = SIZE / (1024 * MiB);
    const rows = clients.map((c) => {
      const ss = samples.get(c.name)!;
      const wall = median(ss.map((s) => s.wall));
      const cpu = median(ss.map((s) => s.cpu));
      const rss = median(ss.map((s) => s.rss));
      return { name: c.name, wall, mibps: SIZE / MiB / wall, cpuPerGiB: cpu / gib, rss };
    });
    const lines = [
      `# Ferry benchmark: one ${SIZE / MiB} MiB file to a local RADOS Gateway`,
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}. ` +
        `Medians of ${REPEAT} runs after one warm-up each, clients alternating. Ferry uses its defaults (16 MiB parts, 4 at a time).`,
      '',
      '| client | wall (s) | throughput (MiB/s) | CPU s per GiB | peak RSS (MiB) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.name} | ${r.wall.toFixed(2)} | ${r.mibps.toFixed(1)} | ${r.cpuPerGiB.toFixed(2)} | ${(r.rss / MiB).toFixed(0)} |`),
    ];
    if (rows.length > 1) {
      lines.push('', `Ferry / AWS CLI throughput: ${(rows[0]!.mibps / rows[1]!.mibps).toFixed(2)}×`);
    }
    const report = lines.join('\n');
    console.log(`\n${report}`);
    writeFileSync(resolve(__dirname, 'RESULTS.md'), `${report}\n`);
  } finally {
    await gw.stop();
  }
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
