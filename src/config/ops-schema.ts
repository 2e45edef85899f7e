/**
 * The operations part of the configuration: the metrics and health listener, the schedules of
 * the jobs and what retention keeps. Kept apart from schema.ts so that the daemon's own keys
 * and the operator's keys each stay readable.
 */
import cron from 'node-cron';
import { z } from 'zod';

/** A node-cron expression, or `""` to switch the job off. */
const schedule = z.string().superRefine((value, ctx) => {
  if (value === '') return;
  const checked = cron.validateDetailed(value);
  if (checked.valid) return;
  const why = checked.errors.map((error) => `${error.field}: ${error.message}`).join('; ');
  ctx.addIssue({ code: 'custom', message: `"${value}" is not a cron schedule (${why || 'unreadable'})` });
});

const timezone = z.string().refine(
  (value) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a time zone known to this system (e.g. UTC, Europe/Amsterdam)' },
);

const days = z.number().int().min(0).max(36_500);

export const httpSchema = z
  .strictObject({
    /** Serves `/healthz` and `/metrics`; off for hosts that must not open another port. */
    enabled: z.boolean().default(true),
    /** Loopback by default: metrics name partners and should not leave the host unasked. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(9464),
  })
  .prefault({});

export const jobsSchema = z
  .strictObject({
    /** The time zone the schedules are read in. */
    timezone: timezone.default('UTC'),
    /** Deletes archived originals and outbox files past their retention. */
    retention: schedule.default('17 3 * * *'),
    /** WAL checkpoint (TRUNCATE) and PRAGMA optimize, when no file is waiting. */
    checkpoint: schedule.default('*/15 * * * *'),
    /** One log line per partner: files, records, failures, open holds of the last 24 hours. */
    summary: schedule.default('55 23 * * *'),
  })
  .prefault({});

export const retentionSchema = z
  .strictObject({
    /** Days an original stays in `archive/` after it was received; 0 keeps it forever. */
    archive_days: days.default(30),
    /** Days a receipt or error log stays in a partner's `outbox/`; 0 keeps it forever. */
    outbox_days: days.default(14),
    /**
     * Days the stored record errors of a file are kept; 0 keeps them forever. The file rows
     * themselves are always kept: they are what makes a resend recognisable.
     */
    record_errors_days: days.default(0),
  })
  .prefault({});
