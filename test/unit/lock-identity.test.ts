/**
 * A lock names the process that holds it by its ID and, where the system says who a process is
 * (Linux), by its boot and start time: a lock left by a Ferry killed before a reboot, or whose ID
 * has gone to another program since, is stale. Found by the fault injector: a killed upload's lock
 * naming a PID that a `sleep` had taken blocked the upload for as long as the sleep ran.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockHolder, processIdentity, tryLock } from '../../main/core/lock';
import { tempDir } from '../support/helpers-fs';

describe('a lock whose process ID now belongs to someone else', () => {
  let other: ChildProcess;
  beforeAll(() => {
    other = spawn('sleep', ['60']);
  });
  afterAll(() => {
    other.kill();
  });

  it('this system says who a process is (boot and start time), and tells two apart', () => {
    const mine = processIdentity(process.pid);
    expect(mine).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(processIdentity(other.pid!)).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(processIdentity(other.pid!)).not.toBe(mine);
  });

  it("is taken over when the live process is not the lock's writer; held when it is; held, as before, when the lock says only an ID", async () => {
    const dir = await tempDir();
    const boot = processIdentity(process.pid)!.split(':')[0];
    // Left by a Ferry that started at tick 1 of this boot, whose ID the sleep has now.
    const recycled = join(dir, 'recycled.lock');
    await writeFile(recycled, `${other.pid}\ntoken1\n${boot}:1\n`);
    expect(await lockHolder(recycled)).toBeUndefined();
    const taken = await tryLock(recycled);
    expect('release' in taken).toBe(true);
    if ('release' in taken) await taken.release();
    // Left before a reboot: another boot's identity.
    const rebooted = join(dir, 'rebooted.lock');
    await writeFile(rebooted, `${other.pid}\ntoken2\n00000000-0000-0000-0000-000000000000:${processIdentity(other.pid!)!.split(':')[1]}\n`);
    expect('release' in (await tryLock(rebooted))).toBe(true);
    // Written by that very process: it holds it.
    const real = join(dir, 'real.lock');
    await writeFile(real, `${other.pid}\ntoken3\n${processIdentity(other.pid!)}\n`);
    expect(await lockHolder(real)).toEqual({ pid: other.pid });
    expect(await tryLock(real)).toEqual({ heldBy: { pid: other.pid } });
    // A lock of an earlier Ferry (an ID, no identity) is judged by the ID, as it was.
    const old = join(dir, 'old.lock');
    await writeFile(old, `${other.pid}\ntoken4\n`);
    expect(await tryLock(old)).toEqual({ heldBy: { pid: other.pid } });
  });
});
