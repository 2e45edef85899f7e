/**
 * The scheduled jobs inside a running daemon, on real node-cron schedules with a seconds field:
 * they run, log and count, and a reload reschedules them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, waitFor } from '../support/daemon.js';
import { sample, scrape } from '../support/prometheus.js';
import { TEST_STORE } from '../support/test-store.js';

const EVERY_SECOND = '*/1 * * * * *';

describe('scheduled jobs in the daemon', () => {
  let daemon: TestDaemon;
  // The WAL is SQLite's: on PostgreSQL the checkpoint job runs and skips (the server checkpoints on its own).
  const checkpointResult = TEST_STORE === 'sqlite' ? 'ok' : 'skipped';
  const runs = async (job: string, result = job === 'checkpoint' ? checkpointResult : 'ok') =>
    sample(await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`), 'posdrop_job_runs_total', { job, result });

  beforeAll(async () => {
    daemon = await TestDaemon.start({ jobs: { checkpoint: EVERY_SECOND, retention: EVERY_SECOND, summary: '' } });
    await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it('runs each job on its schedule, logs it and counts it', async () => {
    await waitFor(async () => (await runs('checkpoint')) >= 2);
    await waitFor(() => daemon.events('job.retention.done').length >= 2);
    if (TEST_STORE === 'sqlite') expect(daemon.events('job.checkpoint.done')[0]).toMatchObject({ complete: true });
    else expect(daemon.events('job.checkpoint.done')).toEqual([]);
    expect(daemon.events('job.retention.done')[0]).toMatchObject({ archive_keep_days: 30, outbox_keep_days: 14 });
    expect(daemon.events('job.summary.partner')).toEqual([]);
    const checkpoints = await runs('checkpoint');
    expect(checkpoints).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await runs('checkpoint')) > checkpoints, 5_000);
    const success = sample(await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`), 'posdrop_job_last_success_timestamp_seconds', { job: 'retention' });
    expect(Math.abs(success - daemon.clock.now().getTime() / 1000)).toBeLessThan(5);
  });

  it('reschedules on a reload: a job switched off stops, a job switched on starts', async () => {
    const next = structuredClone(daemon.config);
    next.jobs.checkpoint = '';
    next.jobs.summary = EVERY_SECOND;
    const plan = await daemon.app.reload(next);
    expect(plan.live).toEqual(['jobs.checkpoint', 'jobs.summary']);

    await waitFor(() => daemon.events('job.summary.partner').length >= 2);
    expect(daemon.events('job.summary.partner')[0]).toMatchObject({ partner: 'acme', files_received: 0, held: 0 });
    const checkpoints = await runs('checkpoint');
    const retentions = daemon.events('job.retention.done').length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await runs('checkpoint')).toBe(checkpoints);
    expect(daemon.events('job.retention.done').length).toBeGreaterThan(retentions); // unchanged, still on
  });
});
