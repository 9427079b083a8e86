/**
 * `npm run bench`: Ferry against Debian's awscli 2 (`aws s3 cp`) and rclone, uploading the same
 * data to the same local RADOS Gateway in the same run, clients alternating, several repetitions;
 * plus a raw single-stream HTTP PUT of the same file (the server-bound ceiling), presigning,
 * listing 100,000 keys, and the window in Chromium. Medians and Ferry/peer ratios go to
 * bench/RESULTS.md. FERRY_BENCH_CASES=large1g,small1000,… runs a subset; FERRY_BENCH_QUICK=1
 * shrinks every case for a smoke run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { FastPresigner } from '../main/core/links/sigv4';
import { randomFile, tempDir } from '../test/support/helpers-fs';
import { startGateway, type Gateway } from '../test/support/rgw';
import { startSlowLink } from './slow-link';
import { startSlowLink as startCountingLink } from '../test/support/slow-link';
import { benchWindow, type WindowResult } from './window';
import { benchPrivate, privateReport } from './private';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const QUICK = process.env.FERRY_BENCH_QUICK === '1';
const ONLY = process.env.FERRY_BENCH_CASES?.split(',').map((s) => s.trim());
const CLI = resolve(__dirname, '../out/main/cli.js');
const AWS = '/usr/bin/aws';
const want = (name: string) => !ONLY || ONLY.includes(name);

interface Sample {
  wall: number;
  cpu: number;
  rss: number;
  /** CPU seconds the gateway's processes (radosgw, the OSD, the monitor) spent meanwhile. */
  server: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * CPU seconds spent so far by every process of the gateway started in `dir` (read from /proc):
 * client and server share the machine's cores, so what the server spends is what a client
 * cannot have, and a gap between clients can be shown as the machine's CPU running out.
 */
function serverCpu(dir: string): () => number {
  const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && (() => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
    } catch {
      return false;
    }
  })());
  return () =>
    pids.reduce((sum, p) => {
      try {
        // Fields after the command's name (which may hold spaces): utime and stime are the 12th and 13th.
        const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
        return sum + (Number(f[11]) + Number(f[12])) / tick;
      } catch {
        return sum;
      }
    }, 0);
}

let gatewayCpu: () => number = () => 0;

/** How much of the machine's CPU the client and the gateway used together while the client ran. */
const busy = (r: { cpu: number; server: number; wall: number }) => `${Math.round((100 * (r.cpu + r.server)) / (r.wall * cpus().length))} %`;

function measure(cmd: string[], env: NodeJS.ProcessEnv): Sample {
  const before = gatewayCpu();
  const r = spawnSync('python3', [resolve(__dirname, 'measure.py'), ...cmd], { env, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.status !== 0) throw new Error(`measure.py failed (is python3 installed? apt-get install -y python3): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { exit: number; wall: number; user: number; sys: number; maxrss_bytes: number; stderr: string };
  if (out.exit !== 0) throw new Error(`${cmd.slice(0, 4).join(' ')}… failed: ${out.stderr}`);
  return { wall: out.wall, cpu: out.user + out.sys, rss: out.maxrss_bytes, server: gatewayCpu() - before };
}

interface Client {
  name: string;
  cmd: (src: string, key: string) => string[];
  env?: NodeJS.ProcessEnv;
}

interface Row {
  case: string;
  client: string;
  runs: number;
  wall: number;
  mibps: number;
  cpuPerGiB: number;
  cpu: number;
  rss: number;
  /** The gateway's CPU seconds during the client's run (median). */
  server: number;
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('Build first: npm run build');
  console.log('Starting the local RADOS Gateway…');
  const gw = await startGateway({ storeBytes: QUICK ? 4 * GiB : 14 * GiB });
  gatewayCpu = serverCpu(gw.dir);
  const report: string[] = [];
  try {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: gw.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const bucket = 'ferry-bench';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const work = await tempDir('ferry-bench-');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: gw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
      AWS_ENDPOINT_URL: gw.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(work, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
      FERRY_DATA_DIR: join(work, 'ferry-data'),
    };
    const rcloneEnv: NodeJS.ProcessEnv = {
      ...env,
      RCLONE_CONFIG_BENCH_TYPE: 's3',
      RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
      RCLONE_CONFIG_BENCH_ENDPOINT: gw.endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: gw.accessKeyId,
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: gw.secretAccessKey,
      RCLONE_CONFIG: join(work, 'rclone.conf'),
    };
    delete rcloneEnv.AWS_CA_BUNDLE; // rclone 1.60 fails to start with it set

    const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
    if (!existsSync(AWS)) console.log(`(${AWS} missing: apt-get install -y awscli)`);
    if (!has('rclone')) console.log('(rclone missing: apt-get install -y rclone)');
    /** Every client, talking to `endpoint` (the gateway itself, or a slow link in front of it). */
    const clientsFor = (endpoint: string) => {
      const e: NodeJS.ProcessEnv = { ...env, AWS_ENDPOINT_URL: endpoint };
      const r: NodeJS.ProcessEnv = { ...rcloneEnv, RCLONE_CONFIG_BENCH_ENDPOINT: endpoint };
      const file: Client[] = [{ name: 'ferry cp', cmd: (src, key) => [process.execPath, CLI, 'cp', src, `s3://${bucket}/${key}`], env: e }];
      // FERRY_BENCH_HASH_AB=1: the same upload with each part's MD5 on worker threads, alternating with the default.
      if (process.env.FERRY_BENCH_HASH_AB === '1') {
        for (const threads of ['1', '2']) file.push({ name: `ferry cp, MD5 on ${threads} thread${threads === '1' ? '' : 's'}`, cmd: (src, key) => [process.execPath, CLI, 'cp', src, `s3://${bucket}/${key}`], env: { ...e, FERRY_HASH_THREADS: threads } });
      }
      const dir: Client[] = [{ name: 'ferry cp --recursive', cmd: (src, key) => [process.execPath, CLI, 'cp', src, `s3://${bucket}/${key}/`, '--recursive'], env: e }];
      const down: Client[] = [{ name: 'ferry cp (download)', cmd: (key, dst) => [process.execPath, CLI, 'cp', `s3://${bucket}/${key}`, dst], env: e }];
      if (existsSync(AWS)) {
        file.push({ name: 'aws s3 cp', cmd: (src, key) => [AWS, 's3', 'cp', '--no-progress', '--only-show-errors', '--endpoint-url', endpoint, src, `s3://${bucket}/${key}`], env: e });
        dir.push({ name: 'aws s3 cp --recursive', cmd: (src, key) => [AWS, 's3', 'cp', '--recursive', '--no-progress', '--only-show-errors', '--endpoint-url', endpoint, src, `s3://${bucket}/${key}/`], env: e });
        down.push({ name: 'aws s3 cp (download)', cmd: (key, dst) => [AWS, 's3', 'cp', '--no-progress', '--only-show-errors', '--endpoint-url', endpoint, `s3://${bucket}/${key}`, dst], env: e });
      }
      if (has('rclone')) {
        file.push({ name: 'rclone copyto', cmd: (src, key) => ['rclone', 'copyto', src, `bench:${bucket}/${key}`], env: r });
        dir.push({ name: 'rclone copy', cmd: (src, key) => ['rclone', 'copy', src, `bench:${bucket}/${key}/`], env: r });
        down.push({ name: 'rclone copyto (download)', cmd: (key, dst) => ['rclone', 'copyto', `bench:${bucket}/${key}`, dst], env: r });
      }
      return { file, dir, down };
    };
    const direct = clientsFor(gw.endpoint);
    const fileClients = [...direct.file];
    const dirClients = direct.dir;
    if (has('curl')) {
      fileClients.push({
        name: 'raw single PUT (curl)',
        cmd: (src, key) => ['sh', '-c', 'exec curl -sS -f -o /dev/null -T "$0" "$1"', src, presignedPut.get(key)!],
      });
    }
    const presignedPut = new Map<string, string>();

    const cleanup = async (prefix: string) => {
      for (;;) {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
        const keys = (out.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (!keys.length) break;
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      }
      // Free the memstore now rather than after RGW's garbage-collection delay.
      spawnSync('radosgw-admin', ['-c', gw.conf, 'gc', 'process', '--include-all'], { stdio: 'ignore' });
    };

    const rows: Row[] = [];
    let presignRate: number | undefined;
    const runCase = async (name: string, label: string, src: string, bytes: number, clients: Client[], reps: number, after: () => Promise<void> = () => cleanup(`${name}/`)) => {
      console.log(`\n${label}`);
      const samples = new Map<string, Sample[]>(clients.map((c) => [c.name, []]));
      for (let i = 0; i < reps + 1; i++) {
        for (const [ci, c] of clients.entries()) {
          const key = `${name}/c${ci}-r${i}`;
          presignedPut.set(key, await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 3600 }));
          const s = measure(c.cmd(src, key), c.env ?? env);
          await after();
          if (i === 0) continue; // warm-up: the first writes to a fresh store are slower for whoever goes first
          samples.get(c.name)!.push(s);
          console.log(`  ${c.name}: ${s.wall.toFixed(2)} s, ${(bytes / MiB / s.wall).toFixed(1)} MiB/s, CPU ${s.cpu.toFixed(2)} s (gateway ${s.server.toFixed(2)} s), peak RSS ${(s.rss / MiB).toFixed(0)} MiB`);
        }
      }
      for (const c of clients) {
        const ss = samples.get(c.name)!;
        const wall = median(ss.map((s) => s.wall));
        const cpu = median(ss.map((s) => s.cpu));
        rows.push({ case: label, client: c.name, runs: ss.length, wall, mibps: bytes / MiB / wall, cpu, cpuPerGiB: cpu / (bytes / GiB), rss: Math.max(...ss.map((s) => s.rss)), server: median(ss.map((s) => s.server)) });
      }
    };

    const large: Array<[string, string, number, number]> = [
      ['large8m', 'one 8 MiB file', 8 * MiB, 5],
      ['large1g', 'one 1 GiB file', QUICK ? 128 * MiB : GiB, 3],
      ['large4g', 'one 4 GiB file', QUICK ? 256 * MiB : 4 * GiB, QUICK ? 1 : 2],
    ];
    // Storj's preset uses 64 MiB parts: the memory bound must hold for them too.
    const storjParts: Client = { name: 'ferry cp, 64 MiB parts (Storj preset)', cmd: (src, key) => [process.execPath, CLI, 'cp', src, `s3://${bucket}/${key}`, '--part-size', '64MiB'] };
    for (const [name, label, size, reps] of large) {
      if (!want(name)) continue;
      const f = await randomFile(work, `${name}.bin`, size);
      await runCase(name, label, f.path, size, name === 'large4g' ? [...fileClients, storjParts] : fileClients, reps);
      spawnSync('rm', ['-f', f.path]);
    }
    const trees: Array<[string, string, number, number, number, number]> = [
      ['small1000', '1,000 files of 64 KiB', QUICK ? 100 : 1000, 64 * 1024, 1, 3],
      ['tree10000', 'a folder tree of 10,000 small files (1–8 KiB, 100 folders)', QUICK ? 500 : 10_000, 0, 100, 1],
    ];
    for (const [name, label, count, size, folders, reps] of trees) {
      if (!want(name)) continue;
      const dir = join(work, name);
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const sub = folders > 1 ? join(dir, `dir-${i % folders}`) : dir;
        if (i < folders) await mkdir(sub, { recursive: true });
        const n = size || 1024 * (1 + (i % 8));
        bytes += n;
        await writeFile(join(sub, `file-${i}.dat`), Buffer.alloc(n, i % 251));
      }
      await runCase(name, label, dir, bytes, dirClients.filter((c) => !c.name.startsWith('raw')), reps);
    }

    // Downloads: the same 1 GiB object to a local file, by each client.
    if (want('download1g')) {
      const size = QUICK ? 128 * MiB : GiB;
      const f = await randomFile(work, 'download.bin', size);
      measure([process.execPath, CLI, 'cp', f.path, `s3://${bucket}/download/source.bin`], env);
      spawnSync('rm', ['-f', f.path]);
      const dst = join(work, 'downloaded.bin');
      await runCase('download1g', 'download one 1 GiB file', 'download/source.bin', size, direct.down.map((c) => ({ ...c, cmd: (src: string) => c.cmd(src, dst) })), 3, async () => {
        spawnSync('rm', ['-f', dst]);
      });
      await cleanup('download/');
    }

    // --bwlimit: the cap, shared by everything one command moves, held within 5 % either way.
    let caps: CapRow[] | undefined;
    if (want('bwlimit')) {
      caps = [];
      const cap = 8 * MiB;
      const size = QUICK ? 16 * MiB : 64 * MiB;
      const one = await randomFile(work, 'cap-one.bin', size);
      const many = join(work, 'cap-many');
      await mkdir(many, { recursive: true });
      for (let i = 0; i < 8; i++) await randomFile(many, `part-${i}.bin`, size / 8);
      const down = join(work, 'cap-down.bin');
      // Uploads go through a counting proxy (far faster than the cap), so the rate while sending is
      // measured where the bytes arrive: between 10 % and 90 % of them, after start-up and hashing.
      const counter = await startCountingLink(gw.endpoint, 4 * GiB);
      const via = { ...env, AWS_ENDPOINT_URL: counter.endpoint };
      const runs: Array<[string, string[], boolean]> = [
        ['one file up', [process.execPath, CLI, 'cp', one.path, `s3://${bucket}/cap/one.bin`, '--bwlimit', '8MiB'], true],
        ['8 files up at once', [process.execPath, CLI, 'cp', many, `s3://${bucket}/cap/many/`, '--recursive', '--bwlimit', '8MiB'], true],
        ['one file down', [process.execPath, CLI, 'cp', `s3://${bucket}/cap/one.bin`, down, '--bwlimit', '8MiB'], false],
      ];
      console.log('\n--bwlimit 8MiB');
      for (const [what, cmd, up] of runs) {
        const before = counter.passed();
        const marks: Array<[number, number]> = [];
        const t0 = performance.now();
        // A download is measured by what its partial file holds (allocated blocks: ranges land out of order).
        const partial = `${down}.ferry-download`;
        const got = () => {
          try {
            return statSync(partial).blocks * 512;
          } catch {
            return marks.at(-1)?.[1] ?? 0;
          }
        };
        const timer = setInterval(() => marks.push([performance.now() - t0, up ? counter.passed() - before : got()]), 20);
        const wall = await new Promise<number>((done, fail) => {
          const p = spawn(cmd[0]!, cmd.slice(1), { env: up ? via : env, stdio: 'ignore' });
          p.on('error', fail);
          p.on('close', (code) => (code === 0 ? done((performance.now() - t0) / 1000) : fail(new Error(`${what} exited ${code}`))));
        });
        clearInterval(timer);
        const sent = up ? counter.passed() - before : size;
        const at = (share: number) => marks.find(([, b]) => b >= share * sent)?.[0] ?? 0;
        const sending = (0.8 * sent) / ((at(0.9) - at(0.1)) / 1000);
        caps.push({ what, cap, rate: sending, wall, whole: size / wall });
        console.log(`  ${what}: ${(sending / MiB).toFixed(2)} MiB/s while sending, ${(size / wall / MiB).toFixed(2)} MiB/s over the command's ${wall.toFixed(2)} s`);
      }
      await counter.close();
      report.push(
        '### --bwlimit 8MiB',
        '',
        '| transfer | MiB | command (s) | MiB/s over the command | MiB/s while sending | × the cap |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        ...caps.map((c) => `| ${c.what} | ${size / MiB} | ${c.wall.toFixed(2)} | ${(c.whole / MiB).toFixed(2)} | ${(c.rate / MiB).toFixed(2)} | ${(c.rate / c.cap).toFixed(3)} |`),
        '',
        '"While sending" is measured between 10 % and 90 % of the bytes: for uploads where they arrive (a counting proxy in front of the gateway), for the download by what its partial file holds. The command takes longer: it starts, plans, hashes every part first for its Content-MD5 (uploads) or checks the whole file after (downloads).',
        '',
      );
      spawnSync('rm', ['-rf', one.path, many, down]);
      await cleanup('cap/');
    }

    // Over an emulated internet link: 40 ms round trip; then the same with bandwidth shared at 100 MiB/s.
    const links: Array<[string, string, { rttMs: number; bytesPerSecond?: number }]> = [
      ['slow', '40 ms RTT', { rttMs: 40 }],
      ['bw', '40 ms RTT, 100 MiB/s', { rttMs: 40, bytesPerSecond: 100 * MiB }],
    ];
    for (const [tag, what, shape] of links) {
      const cases = [`${tag}-small1000`, `${tag}-large1g`].filter(want);
      if (!cases.length) continue;
      const link = await startSlowLink(gw.endpoint, shape);
      try {
        const over = clientsFor(link.endpoint);
        if (want(`${tag}-small1000`)) {
          const dir = join(work, `${tag}-small`);
          await mkdir(dir, { recursive: true });
          const count = QUICK ? 100 : 1000;
          for (let i = 0; i < count; i++) await writeFile(join(dir, `file-${i}.dat`), Buffer.alloc(64 * 1024, i % 251));
          await runCase(`${tag}-small1000`, `1,000 files of 64 KiB over ${what}`, dir, count * 64 * 1024, over.dir, 1);
        }
        if (want(`${tag}-large1g`)) {
          const size = QUICK ? 128 * MiB : GiB;
          const f = await randomFile(work, `${tag}-large.bin`, size);
          await runCase(`${tag}-large1g`, `one 1 GiB file over ${what}`, f.path, size, over.file, 1);
          spawnSync('rm', ['-f', f.path]);
        }
      } finally {
        await link.close();
      }
    }

    // Start-up of commands that make no request: the time a script pays per call.
    let startup: StartupRow[] | undefined;
    if (want('startup')) {
      startup = benchStartup(env);
      report.push('### Start-up of commands that make no network request', '', '| command | wall (ms, median of 10) | × bare Node |', '| --- | ---: | ---: |');
      const node = startup[0]!.ms;
      for (const r of startup) report.push(`| ${r.name} | ${r.ms.toFixed(0)} | ${(r.ms / node).toFixed(2)} |`);
      report.push('');
    }

    const table = (title: string, rs: Row[]) => {
      const ferry = rs[0]!;
      return [
        `### ${title}`,
        '',
        '| client | runs | wall (s, median) | MiB/s | Ferry is × faster | CPU s | CPU s per GiB | gateway CPU s | machine busy | peak RSS (MiB) |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...rs.map((r) => `| ${r.client} | ${r.runs} | ${r.wall.toFixed(2)} | ${r.mibps.toFixed(1)} | ${r === ferry ? '' : (r.wall / ferry.wall).toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.cpuPerGiB.toFixed(2)} | ${r.server.toFixed(2)} | ${busy(r)} | ${(r.rss / MiB).toFixed(0)} |`),
        '',
      ];
    };
    for (const label of [...new Set(rows.map((r) => r.case))]) report.push(...table(label, rows.filter((r) => r.case === label)));

    // Presigning, in-process: links per second.
    if (want('presign')) {
      const creds = { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey };
      const fast = new FastPresigner({ endpoint: gw.endpoint, region: 'us-east-1', pathStyle: true, checksumMode: false }, creds);
      const rate = async (fn: (i: number) => unknown, seconds = 2) => {
        let n = 0;
        const end = performance.now() + seconds * 1000;
        while (performance.now() < end) for (let k = 0; k < 100; k++) await fn(n++);
        return n / seconds;
      };
      const fastRate = await rate((i) => fast.presignGet(bucket, `photos/img-${i}.jpg`, 3600, new Date()));
      presignRate = fastRate;
      const sdkRate = await rate((i) => getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: `photos/img-${i}.jpg` }), { expiresIn: 3600 }));
      const url = fast.presignGet(bucket, 'check', 60, new Date());
      const check = await fetch(url);
      report.push('### Presigning', '', '| signer | links per second |', '| --- | ---: |');
      report.push(`| Ferry (signing key cached per day and region) | ${Math.round(fastRate).toLocaleString('en')} |`, `| AWS SDK getSignedUrl | ${Math.round(sdkRate).toLocaleString('en')} |`, '');
      report.push(`(A Ferry link checked against the gateway answered HTTP ${check.status}; 404 is right, the key does not exist, and proves the signature was accepted.)`, '');
      console.log(`\npresign: Ferry ${Math.round(fastRate)}/s, SDK ${Math.round(sdkRate)}/s`);
    }

    let listing: ListingRow[] | undefined;
    if (want('list100k')) {
      const l = await benchListing(gw, s3, bucket, env, rcloneEnv, QUICK ? 3000 : 100_000);
      listing = l.rows;
      report.push(...l.report);
    }
    if (want('private1g')) {
      const size = QUICK ? 64 * MiB : GiB;
      const src = await randomFile(work, 'private.bin', size);
      console.log(`\na private link of a ${size / MiB} MiB file`);
      const r = await benchPrivate(env, bucket, src.path, size);
      console.log(`  share ${r.share.wall.toFixed(1)} s (cp ${r.cp.wall.toFixed(1)} s), page decrypts at ${r.decrypt.mibps.toFixed(0)} MiB/s, JS heap peak ${(r.decrypt.heapPeak / MiB).toFixed(0)} MiB, exact: ${r.decrypt.exact}`);
      report.push(...privateReport(r));
      await cleanup('private-bench/');
    }
    let win: WindowResult | undefined;
    if (want('window')) {
      win = await benchWindow(QUICK ? 10_000 : 100_000, QUICK ? 1000 : 10_000);
      report.push(...windowReport(win));
    }
    report.unshift(...targets(rows, presignRate, win, listing, startup, caps));
    s3.destroy();
  } finally {
    await gw.stop();
  }
  const header = [
    '# Ferry benchmark results',
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / GiB).toFixed(0)} GiB RAM, Node ${process.version}, against a local Ceph RADOS Gateway (memstore OSD) on the same machine, so client and server share the two cores.`,
    'Each case runs every client once to warm up, then the given number of times, clients alternating; wall times are medians, peak RSS the largest seen. CPU is the client process\'s user + system time (getrusage); gateway CPU is what the gateway\'s processes spent meanwhile (/proc), and machine busy is both together over wall time × cores: near 100 %, the clients are racing for the same cores.',
    QUICK ? '\n**Quick run (FERRY_BENCH_QUICK=1): sizes reduced, not comparable with the targets.**' : '',
    '',
  ];
  writeFileSync(resolve(__dirname, 'RESULTS.md'), `${[...header, ...report].join('\n')}\n`);
  console.log(`\nWrote bench/RESULTS.md`);
}

/** Fills a bucket with `count` keys, then times listing it: first line on screen, and the end. */
interface ListingRow {
  client: string;
  first: number;
  total: number;
  lines: number;
  rss: number;
}

async function benchListing(gw: Gateway, s3: S3Client, bucket: string, env: NodeJS.ProcessEnv, rcloneEnv: NodeJS.ProcessEnv, count: number): Promise<{ report: string[]; rows: ListingRow[] }> {
  const listBucket = 'ferry-bench-list';
  await s3.send(new CreateBucketCommand({ Bucket: listBucket }));
  console.log(`\nputting ${count.toLocaleString('en')} keys to list…`);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < count) {
        const i = next++;
        await s3.send(new PutObjectCommand({ Bucket: listBucket, Key: `d${i % 100}/obj-${String(i).padStart(6, '0')}`, Body: new Uint8Array(0), ContentLength: 0 }));
      }
    }),
  );
  console.log(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const timed = (cmd: string[], e: NodeJS.ProcessEnv) =>
    new Promise<{ first: number; total: number; lines: number }>((resolveRun, reject) => {
      const start = performance.now();
      let first = 0;
      let lines = 0;
      const p = spawn(cmd[0]!, cmd.slice(1), { env: e, stdio: ['ignore', 'pipe', 'inherit'] });
      p.stdout.on('data', (b: Buffer) => {
        if (!first) first = performance.now() - start;
        for (const c of b) if (c === 10) lines++;
      });
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolveRun({ first, total: performance.now() - start, lines }) : reject(new Error(`${cmd[0]} exited ${code}`))));
    });
  const clients: Array<[string, string[], NodeJS.ProcessEnv]> = [['ferry ls --recursive', [process.execPath, CLI, 'ls', `s3://${listBucket}`, '--recursive'], env]];
  if (existsSync(AWS)) clients.push(['aws s3 ls --recursive', [AWS, 's3', 'ls', '--recursive', '--endpoint-url', gw.endpoint, `s3://${listBucket}`], env]);
  if (spawnSync('sh', ['-c', 'command -v rclone']).status === 0) clients.push(['rclone lsf -R', ['rclone', 'lsf', '-R', '--files-only', `bench:${listBucket}`], rcloneEnv]);
  const out = [`### Listing ${count.toLocaleString('en')} keys`, '', '| client | first line (s) | all lines (s) | lines | peak RSS (MiB) |', '| --- | ---: | ---: | ---: | ---: |'];
  const rows: ListingRow[] = [];
  for (const [name, cmd, e] of clients) {
    const runs = [await timed(cmd, e), await timed(cmd, e)];
    const rss = measure(cmd, e).rss;
    const r = { first: median(runs.map((x) => x.first)), total: median(runs.map((x) => x.total)), lines: runs[0]!.lines };
    out.push(`| ${name} | ${(r.first / 1000).toFixed(2)} | ${(r.total / 1000).toFixed(2)} | ${r.lines.toLocaleString('en')} | ${(rss / MiB).toFixed(0)} |`);
    rows.push({ client: name, first: r.first, total: r.total, lines: r.lines, rss });
    console.log(`  ${name}: first line ${(r.first / 1000).toFixed(2)} s, all ${(r.total / 1000).toFixed(2)} s, ${r.lines} lines`);
  }
  out.push('');
  return { report: out, rows };
}

interface StartupRow {
  name: string;
  ms: number;
}

/** Median wall time of ten runs of each command that makes no request, after one warm-up run. */
function benchStartup(env: NodeJS.ProcessEnv): StartupRow[] {
  const cmds: Array<[string, string[]]> = [
    ['bare Node (node -e 0)', [process.execPath, '-e', '0']],
    ['ferry --version', [process.execPath, CLI, '--version']],
    ['ferry --help', [process.execPath, CLI, '--help']],
    ['ferry presign', [process.execPath, CLI, 'presign', 's3://ferry-bench/some/key.jpg']],
    ['ferry links', [process.execPath, CLI, 'links']],
  ];
  if (existsSync(AWS)) cmds.push(['aws s3 presign', [AWS, 's3', 'presign', 's3://ferry-bench/some/key.jpg']]);
  return cmds.map(([name, cmd]) => {
    spawnSync(cmd[0]!, cmd.slice(1), { env, stdio: 'ignore' });
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const r = spawnSync(cmd[0]!, cmd.slice(1), { env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${name} failed`);
      times.push(performance.now() - t);
    }
    return { name, ms: median(times) };
  });
}

/** The performance issue's targets (#13), each met or a gap, with the measured numbers and, for a gap, its measured reason. */
interface CapRow {
  what: string;
  cap: number;
  /** While sending (uploads), or over the whole command (downloads). */
  rate: number;
  wall: number;
  whole: number;
}

function targets(rows: Row[], presignRate: number | undefined, win: WindowResult | undefined, listing: ListingRow[] | undefined, startup: StartupRow[] | undefined, caps: CapRow[] | undefined): string[] {
  const out = ['## Targets', '', '| target | measured | met? |', '| --- | --- | --- |'];
  const gaps: string[] = [];
  const find = (c: string, client: string) => rows.find((r) => r.case === c && r.client.startsWith(client));
  const line = (target: string, measured: string, met: boolean, reason: string) => {
    out.push(`| ${target} | ${measured} | ${met ? 'yes' : '**gap**'} |`);
    if (!met) gaps.push(`- **${target}**: ${reason}`);
  };
  /** Where the machine's CPU went during a client's run: client and gateway share its cores. */
  const machine = (r: Row) => `${r.cpu.toFixed(2)} CPU s in the client and ${r.server.toFixed(2)} in the gateway over ${r.wall.toFixed(2)} s on ${cpus().length} cores (${busy(r)} busy)`;
  const perFileCpu = (r: Row, files: number) => `${((r.cpu / files) * 1000).toFixed(2)} ms CPU per file`;
  // Many small files, on loopback.
  for (const [c, files] of [['1,000 files of 64 KiB', 1000], ['a folder tree of 10,000 small files (1–8 KiB, 100 folders)', 10_000]] as const) {
    const f = find(c, 'ferry cp --recursive');
    const a = find(c, 'aws s3 cp --recursive');
    const r = find(c, 'rclone copy');
    if (!f) continue;
    if (a) line(`${c}: ≥ 2 × aws s3 cp --recursive`, `${(a.wall / f.wall).toFixed(2)}×`, a.wall / f.wall >= 2, `Ferry ${machine(f)} (${perFileCpu(f, files)}); aws ${machine(a)} (${perFileCpu(a, files)}).`);
    if (r) line(`${c}: ≥ 1.3 × rclone copy`, `${(r.wall / f.wall).toFixed(2)}×`, r.wall / f.wall >= 1.3, `Ferry ${machine(f)} (${perFileCpu(f, files)}); rclone ${machine(r)} (${perFileCpu(r, files)}). With client and gateway on the same cores, the gateway's CPU per file is a floor no client goes under.`);
  }
  const tree = find('a folder tree of 10,000 small files (1–8 KiB, 100 folders)', 'ferry cp --recursive');
  if (tree) line('cp --recursive of 10,000 files: peak memory < 150 MiB', `${(tree.rss / MiB).toFixed(0)} MiB`, tree.rss < 150 * MiB, 'the file list and the queue of 10,000 entries are held at once, with the SDK and zod loaded (about 80 MiB at rest).');
  // Large files, on loopback.
  for (const c of ['one 1 GiB file', 'one 4 GiB file']) {
    const f = find(c, 'ferry cp');
    const a = find(c, 'aws s3 cp');
    if (f && a) {
      line(`${c}: ≥ 1.3 × aws s3 cp`, `${(a.wall / f.wall).toFixed(2)}× (${f.mibps.toFixed(0)} vs ${a.mibps.toFixed(0)} MiB/s)`, a.wall / f.wall >= 1.3, `client and gateway share the cores: Ferry ${machine(f)}, aws ${machine(a)}; MD5 of every part for the Content-MD5 the server checks is about 1.2 CPU s of Ferry's, which the gateway then lacks.`);
      line(`${c}: ≤ 0.5 × aws s3 cp's client CPU per GiB, with a checksum the server verifies on every part`, `${(f.cpuPerGiB / a.cpuPerGiB).toFixed(2)}× (${f.cpuPerGiB.toFixed(2)} vs ${a.cpuPerGiB.toFixed(2)} s/GiB); every part carries Content-MD5`, f.cpuPerGiB <= 0.5 * a.cpuPerGiB, `the AWS CLI sends no Content-MD5 (it checks nothing per part on a non-AWS server), Ferry hashes every byte with MD5 (~1.2 s/GiB in Node). CRC32C where the server verifies it (the connection test records which do) would cost ~0.1 s/GiB; Ceph and Swift here do not verify it.`);
    }
  }
  const fileRows = rows.filter((r) => r.client.startsWith('ferry cp') && !r.client.includes('--recursive') && !r.client.includes('download'));
  const maxRss = Math.max(...fileRows.map((r) => r.rss), 0);
  if (fileRows.length) line('one file of any size: peak memory < 150 MiB', `${(maxRss / MiB).toFixed(0)} MiB at most (${fileRows.map((r) => `${r.case}${r.client.includes('64 MiB') ? ', 64 MiB parts' : ''}: ${(r.rss / MiB).toFixed(0)}`).join('; ')})`, maxRss < 150 * MiB, `Ferry itself holds no part in memory (parts stream from the file); the peak is Node, the SDK and the sockets' buffers for 8 parts in flight, and it grows with the part size (64 MiB parts: ${(Math.max(...fileRows.filter((r) => r.client.includes('64 MiB')).map((r) => r.rss), 0) / MiB).toFixed(0)} MiB). Fewer parts in flight for parts of 64 MiB and more would close it.`);
  // Downloads.
  const fd = find('download one 1 GiB file', 'ferry cp (download)');
  const ad = find('download one 1 GiB file', 'aws s3 cp (download)');
  const rd = find('download one 1 GiB file', 'rclone');
  if (fd && ad) {
    line('a 1 GiB download: ≥ 1.3 × aws s3 cp, with bounded memory', `${(ad.wall / fd.wall).toFixed(2)}× (${fd.mibps.toFixed(0)} vs ${ad.mibps.toFixed(0)} MiB/s), peak ${(fd.rss / MiB).toFixed(0)} MiB`, ad.wall / fd.wall >= 1.3 && fd.rss < 150 * MiB, `${machine(fd)}; aws ${machine(ad)}. Ferry checks every byte against the ETag (MD5 of each part, on the hashing thread), which neither peer does for a multipart object: that MD5 is about 1.2–1.4 CPU s/GiB, more than the whole of what the gateway leaves aws to beat by 1.3×. Only a cheaper checksum the server keeps (CRC32C/CRC64 where it records one) would close it.`);
    if (rd) line("a 1 GiB download: client CPU no more than rclone's", `${fd.cpu.toFixed(2)} vs ${rd.cpu.toFixed(2)} CPU s`, fd.cpu <= rd.cpu, `rclone checks nothing on a multipart object; Ferry's MD5 of every byte alone is more than rclone's whole ${rd.cpu.toFixed(2)} s. The check is the hostile-servers promise (no file stitched from two objects or damaged on the way) and stays.`);
  }
  // Over the emulated internet link.
  for (const [tag, what] of [['slow', '40 ms RTT'], ['bw', '40 ms RTT, 100 MiB/s']] as const) {
    for (const [c, ferryName] of [[`1,000 files of 64 KiB over ${what}`, 'ferry cp --recursive'], [`one 1 GiB file over ${what}`, 'ferry cp']] as const) {
      const f = find(c, ferryName);
      if (!f) continue;
      const a = rows.find((r) => r.case === c && r.client.startsWith('aws'));
      const r = rows.find((x) => x.case === c && x.client.startsWith('rclone'));
      if (a) line(`${c}: ≥ 1.5 × aws s3 cp`, `${(a.wall / f.wall).toFixed(2)}× (${f.wall.toFixed(2)} vs ${a.wall.toFixed(2)} s)`, a.wall / f.wall >= 1.5, tag === 'bw' && c.includes('GiB') ? `the link, not the client, is the limit: Ferry moves ${f.mibps.toFixed(0)} MiB/s and aws ${a.mibps.toFixed(0)} MiB/s of the 100 MiB/s the link carries for both.` : `Ferry moves ${f.mibps.toFixed(0)} MiB/s with ${f.cpu.toFixed(2)} CPU s (aws ${a.cpu.toFixed(2)}): with 8 parts in flight the round trip is hidden, and as on loopback the client's CPU (MD5 of every part for the server's check) and the gateway share two cores. A cheaper checksum where the server verifies one would close it.`);
      if (r) line(`${c}: no slower than rclone`, `${(r.wall / f.wall).toFixed(2)}×`, r.wall / f.wall >= 1, `rclone took ${r.wall.toFixed(2)} s at its default settings (4 transfers at a time) against Ferry's ${f.wall.toFixed(2)} s.`);
    }
  }
  // Listing.
  const fl = listing?.find((l) => l.client.startsWith('ferry'));
  const rl = listing?.find((l) => l.client.startsWith('rclone'));
  if (fl && rl) {
    line(`listing ${fl.lines.toLocaleString('en')} keys: all lines no slower than rclone`, `${(fl.total / 1000).toFixed(2)} vs ${(rl.total / 1000).toFixed(2)} s`, fl.total <= rl.total, `each page is parsed as it arrives and the next asked for as soon as its token is read; what remains is the gateway's own time per page (${Math.ceil(fl.lines / 1000)} pages) and a line printed per key.`);
    line(`listing ${fl.lines.toLocaleString('en')} keys: first line no slower than rclone`, `${(fl.first / 1000).toFixed(2)} vs ${(rl.first / 1000).toFixed(2)} s`, fl.first <= rl.first, `${((fl.first - (startup?.[0]?.ms ?? 0)) / 1000).toFixed(2)} s beyond bare Node's start (where measured in the same run) go mostly to loading the S3 SDK, which the connection still creates for its other requests before the first listing is sent; listing itself no longer uses it. Creating the SDK clients only when a request needs them would close it.`);
  }
  // Start-up.
  if (startup) {
    const node = startup[0]!.ms;
    for (const r of startup.slice(1).filter((x) => x.name.startsWith('ferry'))) {
      line(`${r.name} starts within 2 × bare Node`, `${r.ms.toFixed(0)} ms, ${(r.ms / node).toFixed(2)}× (Node ${node.toFixed(0)} ms)`, r.ms <= 2 * node, 'zod, which validates settings.json and the link history, takes about 45 ms to load; the S3 SDK is no longer loaded by commands that make no request.');
    }
  }
  for (const c of caps ?? []) {
    line(`--bwlimit holds the cap within 5 %: ${c.what}`, `${(c.rate / MiB).toFixed(2)} MiB/s of ${(c.cap / MiB).toFixed(0)} (${(c.rate / c.cap).toFixed(3)}×)`, c.rate <= 1.05 * c.cap && c.rate >= 0.95 * c.cap, c.rate > 1.05 * c.cap ? 'more than the cap got through.' : 'the command\'s start-up, planning and final check are counted in its time; the transfer itself runs at the cap.');
  }
  if (presignRate !== undefined) line('presigning ≥ 20,000 links per second', `${Math.round(presignRate).toLocaleString('en')} per second`, presignRate >= 20_000, 'see the presigning table.');
  if (win) {
    line(`the window: all ${win.objects.toLocaleString('en')} objects loaded while scrolling in under 10.8 s (half of 21.6 s)`, `${(win.allLoadedMs / 1000).toFixed(1)} s`, win.allLoadedMs > 0 && win.allLoadedMs < 10_800, 'pages arrive one after another.');
    line(`the window: ${win.objects.toLocaleString('en')} objects scroll at 60 frames per second`, `${win.scroll.fps.toFixed(0)} fps, p95 frame ${win.scroll.p95.toFixed(1)} ms`, win.scroll.fps >= 57 && win.scroll.p95 <= 17, 'a page merged into the list (in idle time, several at once) still costs a frame now and then at the end of a fast scroll; rows are keyed by slot and their row objects and dates are made once.');
    line(`the window: ${win.uploads.toLocaleString('en')} queued uploads streaming progress stay responsive`, `${win.progress.fps.toFixed(0)} fps, p95 frame ${win.progress.p95.toFixed(1)} ms`, win.progress.fps >= 57 && win.progress.p95 <= 20, 'see the window table.');
  }
  out.push('');
  if (gaps.length) out.push('Gaps and their reasons:', '', ...gaps, '');
  return out;
}

function windowReport(w: WindowResult): string[] {
  const row = (label: string, f: WindowResult['scroll']) =>
    `| ${label} | ${f.frames} | ${f.p50.toFixed(1)} | ${f.p95.toFixed(1)} | ${f.max.toFixed(1)} | ${f.fps.toFixed(0)} |`;
  return [
    `### The window (built renderer in Chromium, ${w.objects.toLocaleString('en')} objects, ${w.uploads.toLocaleString('en')} queued uploads)`,
    '',
    `Time to the first rows of the listing on screen: ${w.firstRowsMs.toFixed(0)} ms; all ${w.objects.toLocaleString('en')} objects loaded as you scroll: ${(w.allLoadedMs / 1000).toFixed(1)} s. ${w.uploads.toLocaleString('en')} uploads queued in ${w.queueMs.toFixed(0)} ms.`,
    '',
    '| while | frames | p50 frame (ms) | p95 frame (ms) | worst (ms) | fps |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('scrolling the object list', w.scroll),
    row(`progress of ${w.uploads.toLocaleString('en')} uploads streaming in`, w.progress),
    '',
    'Headless Chromium with --disable-gpu renders in software; frame times are what its compositor reports through requestAnimationFrame.',
    '',
  ];
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
