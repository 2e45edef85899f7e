/**
 * The configuration: every key, its default and its limits. The file uses these snake_case keys;
 * environment variables are `POSDROP_<SECTION>_<KEY>` (or `POSDROP_<KEY>` for top-level keys).
 */
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const positive = z.number().int().positive();
const seconds = z.number().int().min(0);

export const sftpSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(2222),
    /** Empty: `<data_dir>/keys/ssh_host_ed25519_key`, generated on first start. */
    host_key: z.string().default(''),
    max_upload_bytes: positive.default(50 * 1024 * 1024),
    max_connections: positive.default(256),
    max_connections_per_address: positive.default(16),
    login_grace_seconds: positive.default(30),
    idle_timeout_seconds: positive.default(900),
    max_auth_attempts: positive.default(6),
    auth_failure_delay_ms: z.number().int().min(0).max(60_000).default(1000),
    ban_threshold: positive.default(15),
    ban_window_minutes: positive.default(30),
    ban_minutes: positive.default(30),
    max_open_handles: positive.default(64),
    max_requests_in_flight: positive.default(1024),
    /**
     * WRITE data a session may have received and not yet written: beyond it the session is cut.
     * OpenSSH keeps 64 × 32 KiB in flight; requests of up to 256 KiB each would otherwise let one
     * session hold max_requests_in_flight × 256 KiB.
     */
    max_write_bytes_in_flight: positive.default(32 * 1024 * 1024),
    partial_expiry_hours: positive.default(24),
    /** How long a just-delivered upload still answers STAT and SETSTAT under its name. */
    recent_upload_seconds: positive.default(300),
  })
  .prefault({});

export const intakeSchema = z
  .strictObject({
    /** Full rescan of every inbox, for what the watcher missed. */
    rescan_seconds: positive.default(60),
    /** A file copied in by hand is taken once its size has not changed for this long. */
    stable_ms: z.number().int().min(0).default(1000),
  })
  .prefault({});

export const logSchema = z
  .strictObject({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  data_dir: z.string().min(1).default('./var'),
  /** Creates the partner `demo` on first start; embedded defaults only, off in production. */
  demo_partner: z.boolean().default(true),
  /** How long SIGTERM may take before the daemon gives up on the file in hand. */
  stop_timeout_seconds: seconds.default(20),
  log: logSchema,
  sftp: sftpSchema,
  intake: intakeSchema,
});

export type Config = z.infer<typeof configSchema>;
export type SftpConfig = Config['sftp'];
export type IntakeConfig = Config['intake'];

/** The defaults, as the daemon runs with no file and no environment. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
