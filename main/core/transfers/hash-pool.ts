/**
 * MD5 of file ranges on worker threads (issue 21), so hashing a part for its Content-MD5 runs
 * beside the sending of others instead of on the thread that drives every socket. Two threads
 * where the machine has more than two cores, one on two (see sharedHashPool).
 *
 * Threads share the process's descriptors, so a worker reads the open source file by its
 * descriptor with positional reads, as the main thread does: the bytes hashed are the file's
 * bytes at that moment, and the server checks what is sent against them all the same.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The worker's whole program (inline, so it needs no file of its own in the built app). */
const PROGRAM = `
const { parentPort } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.allocUnsafe(256 * 1024);
parentPort.on('message', ({ id, fd, start, end }) => {
  try {
    const hash = createHash('md5');
    for (let pos = start; pos < end; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n === 0) return parentPort.postMessage({ id, short: true });
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    parentPort.postMessage({ id, md5: hash.digest() });
  } catch (err) {
    parentPort.postMessage({ id, error: { message: err.message, code: err.code } });
  }
});
`;

type Answer = { id: number; md5?: Uint8Array; short?: true; error?: { message: string; code?: string } };

/** What a range's hash came to: its MD5, or the file ended before the range did. */
export type RangeHash = { md5: Buffer } | { short: true };

export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { worker: Worker; resolve: (h: RangeHash) => void; reject: (e: Error) => void }>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 0;

  constructor(readonly threads: number) {}

  /** MD5 of the bytes [start, end) of the open file `fd`. */
  md5(fd: number, start: number, end: number): Promise<RangeHash> {
    const worker = this.leastBusy();
    const id = this.nextId++;
    this.busy.set(worker, (this.busy.get(worker) ?? 0) + 1);
    // A worker with work to do keeps the process alive; an idle one does not.
    worker.ref();
    return new Promise<RangeHash>((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, fd, start, end });
    });
  }

  /** Stops the threads (tests; the process's own pool lives as long as it does, unreferenced when idle). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private leastBusy(): Worker {
    if (this.workers.length < this.threads) return this.spawn();
    return this.workers.reduce((a, b) => ((this.busy.get(a) ?? 0) <= (this.busy.get(b) ?? 0) ? a : b));
  }

  private spawn(): Worker {
    const worker = new Worker(PROGRAM, { eval: true });
    worker.on('message', (a: Answer) => {
      const left = (this.busy.get(worker) ?? 1) - 1;
      this.busy.set(worker, left);
      if (left === 0) worker.unref();
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (a.error) p.reject(Object.assign(new Error(a.error.message), a.error.code ? { code: a.error.code } : {}));
      else if (a.short) p.resolve({ short: true });
      else p.resolve({ md5: Buffer.from(a.md5!) });
    });
    // A thread that dies fails what it held; the next range gets a new one.
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`A hashing thread stopped (exit code ${code}).`)));
    worker.unref();
    this.workers.push(worker);
    return worker;
  }

  private lost(worker: Worker, err: Error): void {
    const i = this.workers.indexOf(worker);
    if (i < 0) return;
    this.workers.splice(i, 1);
    this.busy.delete(worker);
    // What it held fails; each caller hashes its range on the main thread instead.
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(err);
    }
  }
}

let shared: HashPool | undefined | null;

/**
 * The process's pool: two threads where there are more than two cores, one on two cores (the
 * benchmark measured a 1 GiB upload 1.16× faster with it there, at the same CPU and under the
 * memory limit; two threads were faster still but passed 150 MiB), none on one.
 * FERRY_HASH_THREADS=N (0 to 4) sets it, for the benchmark's comparisons.
 */
export function sharedHashPool(): HashPool | undefined {
  if (shared === undefined) {
    const asked = Number.parseInt(process.env.FERRY_HASH_THREADS ?? '', 10);
    const cores = availableParallelism();
    const threads = Number.isInteger(asked) && asked >= 0 && asked <= 4 ? asked : cores > 2 ? 2 : cores === 2 ? 1 : 0;
    shared = threads > 0 ? new HashPool(threads) : null;
  }
  return shared ?? undefined;
}
