import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLog } from '../log.js';
import { openDatabase, type Db } from '../store/database.js';
import { WriteLock } from '../store/write-lock.js';
import { Scheduler, type Job } from './scheduler.js';

const quiet = createLog({ level: 'error' });

describe('the scheduler (real node-cron)', () => {
  let dir: string;
  let db: Db;
  let lock: WriteLock;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-scheduler-'));
    db = openDatabase(path.join(dir, 'posdrop.db'));
    lock = new WriteLock(db);
  });
  afterEach(async () => {
    vi.useRealTimers();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a job at its time in the configured time zone', async () => {
    // Only the clock is faked: node-cron's own timers decide when the job runs.
    vi.useFakeTimers({ now: new Date('2026-03-10T02:16:58Z'), toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const runs: string[] = [];
    const results: string[] = [];
    const scheduler = new Scheduler(lock, quiet, { timezone: 'Europe/Amsterdam', onRun: (job, result) => results.push(`${job}:${result}`) });
    scheduler.add({ name: 'retention', schedule: '17 3 * * *', run: () => void runs.push(new Date().toISOString()) });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000); // 03:17 in Amsterdam is 02:17 UTC in March
    expect(runs).toHaveLength(1);
    expect(runs[0]?.slice(0, 16)).toBe('2026-03-10T02:17');
    expect(results).toEqual(['retention:ok']);
    await scheduler.stop();
  });

  it('runs a scheduled job only while this node leads the cluster', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-10T02:16:58Z'), toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    let leads = false;
    const runs: string[] = [];
    const results: string[] = [];
    const leadership = { isLeader: async () => leads, stop: async () => undefined };
    const scheduler = new Scheduler(lock, quiet, { leadership, onRun: (job, result) => results.push(`${job}:${result}`) });
    scheduler.add({ name: 'retention', schedule: '* * * * *', run: () => void runs.push(new Date().toISOString()) });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect([runs, results]).toEqual([[], ['retention:skipped']]);
    leads = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
    expect(results).toEqual(['retention:skipped', 'retention:ok']);
    await scheduler.stop();
  });

  it('never runs a job beside itself', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const job: Job = { name: 'slow', schedule: '* * * * *', run: async () => { runs += 1; await gate; } };
    const scheduler = new Scheduler(lock, quiet);
    const first = scheduler.runNow(job);
    const second = scheduler.runNow(job);
    expect(second).toBe(first);
    release();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
  });

  it("waits for a file's open transaction before it runs", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const file = lock.transaction(async () => {
      order.push('file begins');
      await gate;
      order.push('file commits');
    });
    const scheduler = new Scheduler(lock, quiet);
    const job = scheduler.runNow({ name: 'checkpoint', schedule: '* * * * *', run: () => void order.push(`job runs (in transaction: ${db.inTransaction})`) });
    release();
    await Promise.all([file, job]);
    expect(order).toEqual(['file begins', 'file commits', 'job runs (in transaction: false)']);
  });

  it("runs a job that writes through its own transactions outside the lock, each write after the file's transaction", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const file = lock.transaction(async () => {
      order.push('file begins');
      await gate;
      order.push('file commits');
    });
    const results: string[] = [];
    const scheduler = new Scheduler(lock, quiet, { onRun: (job, result) => results.push(`${job}:${result}`) });
    const job = scheduler.runNow({
      name: 'retention',
      schedule: '* * * * *',
      exclusive: false,
      run: async () => {
        order.push('job runs');
        await lock.transaction(() => void order.push(`job writes (in transaction: ${db.inTransaction})`));
      },
    });
    release();
    await Promise.all([file, job]);
    expect(order).toEqual(['file begins', 'job runs', 'file commits', 'job writes (in transaction: true)']);
    expect(results).toEqual(['retention:ok']);
  });

  it('reports a failing job and goes on', async () => {
    const results: string[] = [];
    const scheduler = new Scheduler(lock, quiet, { onRun: (job, result) => results.push(`${job}:${result}`) });
    await scheduler.runNow({ name: 'broken', schedule: '* * * * *', run: () => { throw new Error('disk on fire'); } });
    await scheduler.runNow({ name: 'skipper', schedule: '* * * * *', run: () => 'skipped' });
    expect(results).toEqual(['broken:failed', 'skipper:skipped']);
  });
});
