import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { applyLive, planReload } from './reload.js';

describe('configuration reload plan', () => {
  it('applies live keys in place and leaves restart-only keys at their old values', () => {
    const current = configSchema.parse({ sftp: { port: 2222 } });
    const sftpSection = current.sftp;
    const next = configSchema.parse({
      log: { level: 'debug' },
      sftp: { port: 2022, max_connections: 10 },
      http: { port: 9000 },
      retention: { archive_days: 7 },
    });
    const plan = planReload(current, next);
    expect(plan).toEqual({
      live: ['http.port', 'log.level', 'retention.archive_days', 'sftp.max_connections'],
      restart: ['sftp.port'],
    });
    applyLive(current, next, plan.live);
    expect(current.sftp).toBe(sftpSection); // the running server holds this very object
    expect(current.sftp.max_connections).toBe(10);
    expect(current.sftp.port).toBe(2222);
    expect(current.log.level).toBe('debug');
    expect(current.retention.archive_days).toBe(7);
  });

  it('treats a key it does not know as needing a restart', () => {
    const current = configSchema.parse({});
    const next = { ...configSchema.parse({ data_dir: '/elsewhere' }) };
    expect(planReload(current, next)).toEqual({ live: [], restart: ['data_dir'] });
  });
});
