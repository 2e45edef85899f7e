/**
 * The configuration: every key, its default and its limits. The file uses these snake_case keys;
 * environment variables are `POSDROP_<SECTION>_<KEY>` (or `POSDROP_<KEY>` for top-level keys).
 */
import { consoleSchema } from './console-schema.js';
import { z } from 'zod';
import { apiSchema } from './api-schema.js';
import { httpSchema, jobsSchema, retentionSchema } from './ops-schema.js';
import { notificationsSchema } from './notify-schema.js';
import { pgpSchema } from './pgp-schema.js';
import { storeSchema } from './store-schema.js';

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
    /**
     * Connections not logged in yet, at most (OpenSSH's MaxStartups "full"). Well below
     * max_connections, so that idle sockets leave room for sessions and new logins (above it,
     * max_connections is the cap that bites).
     */
    max_unauthenticated: positive.default(64),
    /** From this many waiting connections on, a newcomer is refused at random (MaxStartups "start"). */
    unauthenticated_drop_from: positive.default(32),
    /** The chance of that refusal at `unauthenticated_drop_from`, rising to 100 at the cap. */
    unauthenticated_drop_percent: z.number().int().min(0).max(100).default(30),
    /** The client's SSH version string must arrive within this, counted from the TCP connection. */
    banner_timeout_seconds: positive.default(5),
    /** The key exchange must be done within this, counted from the TCP connection. */
    handshake_timeout_seconds: positive.default(15),
    idle_timeout_seconds: positive.default(900),
    /**
     * How often the daemon looks for access taken away by the CLI (a partner disabled, a password
     * changed, a key removed) and ends the sessions concerned: one cheap query when nothing changed.
     */
    access_check_ms: z.number().int().min(50).max(60_000).default(1000),
    max_auth_attempts: positive.default(6),
    auth_failure_delay_ms: z.number().int().min(0).max(60_000).default(1000),
    ban_threshold: positive.default(15),
    ban_window_minutes: positive.default(30),
    ban_minutes: positive.default(30),
    /**
     * Connections from one address closed without any login attempt within ban_window_minutes
     * before it is banned like a password guesser; 0 switches this off.
     */
    noauth_ban_threshold: z.number().int().min(0).default(20),
    /** Failed logins from all the addresses of one network prefix before it is banned; 0: off. */
    prefix_ban_threshold: z.number().int().min(0).default(30),
    /** The prefix lengths failures are counted under (`10.1.2.0/24`, `2001:db8:1:2::/64`). */
    prefix_length_ipv4: z.number().int().min(8).max(32).default(24),
    prefix_length_ipv6: z.number().int().min(16).max(128).default(64),
    /**
     * Failed logins to one account, from anywhere, within ban_window_minutes before its password
     * logins are locked out (keys never are); 0: off.
     */
    account_lockout_threshold: z.number().int().min(0).default(10),
    /** The first lock-out; each one in a row doubles it, up to account_lockout_max_seconds. */
    account_lockout_seconds: positive.default(60),
    account_lockout_max_seconds: positive.default(900),
    /** Refused connections are logged once per address and reason in this interval, with a count. */
    refusal_log_seconds: positive.default(60),
    max_open_handles: positive.default(64),
    max_requests_in_flight: positive.default(1024),
    /**
     * WRITE data a session may have received and not yet written: beyond it the session is cut.
     * OpenSSH keeps 64 × 32 KiB in flight; requests of up to 256 KiB each would otherwise let one
     * session hold max_requests_in_flight × 256 KiB.
     */
    max_write_bytes_in_flight: positive.default(32 * 1024 * 1024),
    /**
     * What one partner may keep in the spool: unfinished uploads and files under temporary names
     * (`*.tmp`, `*.filepart`), which stay until completed, renamed or expired. Past either, OPEN
     * or WRITE is refused with a message saying so.
     */
    spool_quota_bytes: positive.default(200 * 1024 * 1024),
    spool_quota_files: positive.default(50),
    /** Free space on the data folder's disk below which every upload is refused. */
    min_free_disk_bytes: z.number().int().min(0).default(1024 * 1024 * 1024),
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
    /**
     * Files handled at once. The database still takes one file's transaction at a time; the others
     * are meanwhile hashed, answered and archived.
     */
    workers: z.number().int().min(1).max(32).default(4),
    /** A compressed upload that inflates more than this many times its size is refused (a bomb). */
    unpack_max_ratio: z.number().int().min(10).default(1000),
    /** Files one zip archive may hold. */
    unpack_max_members: z.number().int().min(1).max(10_000).default(100),
    /**
     * An upload whose name alone decides its refusal (no rule accepts it, a date after today, a
     * name already used) is refused at OPEN, CLOSE or RENAME over SFTP and before its body over
     * the partner API, with its receipt written all the same. Off: such an upload completes and
     * its receipt alone answers (for clients that stop a whole batch at the first refused put).
     */
    refuse_names_at_upload: z.boolean().default(true),
  })
  .prefault({});

/** Counter sequences (crowdtwist-pos): when a held gap is worth an alert. */
export const sequencerSchema = z
  .strictObject({
    /** A gap held longer than this is logged as `sequence.stale`. */
    stale_minutes: positive.default(60),
    /** When to look for stale gaps (node-cron syntax). */
    stale_check_schedule: z.string().min(1).default('*/5 * * * *'),
  })
  .prefault({});

/** Caps on a CrowdTwist POS document, checked while it streams. */
export const crowdtwistSchema = z
  .strictObject({
    /** Nesting of the whole document, the outer object and the pos_data array included. */
    max_depth: z.number().int().min(3).max(1000).default(32),
    /** Characters in one string, as written. */
    max_string_chars: positive.default(64 * 1024),
    /** Characters in one pos_data element, as written. */
    max_record_chars: positive.default(1024 * 1024),
  })
  .prefault({});

export const logSchema = z
  .strictObject({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  })
  .prefault({});

/** A Client Toolbox campaign: amounts are read by its type (see the guide's amount rules). */
export const campaignSchema = z.strictObject({
  id: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
  type: z.enum(['points', 'giftcard', 'buyx', 'events', 'earned']),
  /** With `apply_ratio`: points per monetary unit, value per event, items deducted per item redeemed. */
  ratio: z.number().positive().default(1),
  /** Reward id → its cost in the campaign's unit, for redemptions by reward with `apply_ratio`. */
  rewards: z.record(z.string(), z.number().positive()).default({}),
});

/** The columns a Client Toolbox line may have, as the guide's `visits_header_N` fields name them. */
export const TOOLBOX_COLUMN_NAMES = ['campaign_id', 'code', 'redeemed', 'amount', 'date', 'authorization', 'promo_id', 'service_product'] as const;

/**
 * The order of a headerless file's columns (the guide sends the names beside the data, as
 * `visits_header_N`): declared names, each once, with the three required ones.
 */
const toolboxColumnsSchema = z
  .array(z.enum(TOOLBOX_COLUMN_NAMES))
  .min(3)
  .check((ctx) => {
    const twice = ctx.value.find((name, index) => ctx.value.indexOf(name) !== index);
    if (twice) ctx.issues.push({ code: 'custom', message: `the column ${twice} is listed twice`, input: ctx.value });
    const missing = ['campaign_id', 'code', 'redeemed'].filter((name) => !ctx.value.includes(name as (typeof TOOLBOX_COLUMN_NAMES)[number]));
    if (missing.length) ctx.issues.push({ code: 'custom', message: `the columns must include ${missing.join(', ')}`, input: ctx.value });
  });

/** A partner's Client Toolbox options, as the guide's request fields name them. */
export const toolboxPartnerSchema = z.strictObject({
  /** The column order of a file whose first line is not a header; unset: the guide's points example. */
  columns: toolboxColumnsSchema.optional(),
  apply_ratio: z.boolean().default(false),
  create_new_customers: z.boolean().default(false),
  receipt: z.enum(['xml', 'json']).default('xml'),
  /** JSON receipts without white space. */
  condensed: z.boolean().default(false),
  /** `posdrop undo` may reverse this partner's batches (off, as the guide advises). */
  allow_undo: z.boolean().default(false),
  campaigns: z
    .array(campaignSchema)
    .default([])
    .check((ctx) => {
      const ids = ctx.value.map((campaign) => campaign.id);
      const twice = ids.filter((id, index) => ids.indexOf(id) !== index);
      if (twice.length) ctx.issues.push({ code: 'custom', message: `campaign id ${twice[0]} is listed twice`, input: ctx.value });
    }),
});

/** Keyed by partner id; the demo partner has a points campaign, so the guide's example works at once. */
export const clienttoolboxSchema = z
  .record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'not a partner id'), toolboxPartnerSchema)
  .default({
    demo: {
      apply_ratio: true,
      create_new_customers: true,
      receipt: 'xml',
      condensed: false,
      allow_undo: false,
      campaigns: [{ id: '12121', type: 'points', ratio: 1, rewards: { '1500': 50 } }],
    },
  });

export const configSchema = z.strictObject({
  data_dir: z.string().min(1).default('./var'),
  /** Creates the partner `demo` on first start; embedded defaults only, off in production. */
  demo_partner: z.boolean().default(true),
  /**
   * How long SIGTERM may take before the daemon gives up on the file in hand. Under systemd the
   * daemon extends the unit's TimeoutStopSec to this plus a margin as it stops (EXTEND_TIMEOUT_USEC).
   * An hour at most: a timer past 2^31 ms would fire at once.
   */
  stop_timeout_seconds: seconds.max(3600, 'must be at most 3600 (an hour)').default(20),
  log: logSchema,
  store: storeSchema,
  sftp: sftpSchema,
  intake: intakeSchema,
  clienttoolbox: clienttoolboxSchema,
  http: httpSchema,
  console: consoleSchema,
  api: apiSchema,
  jobs: jobsSchema,
  retention: retentionSchema,
  sequencer: sequencerSchema,
  crowdtwist: crowdtwistSchema,
  notifications: notificationsSchema,
  pgp: pgpSchema,
});

export type Config = z.infer<typeof configSchema>;
export type SftpConfig = Config['sftp'];
export type IntakeConfig = Config['intake'];
export type ToolboxPartnerConfig = z.infer<typeof toolboxPartnerSchema>;
export type CampaignConfig = z.infer<typeof campaignSchema>;
export type HttpConfig = Config['http'];
export type ApiConfig = Config['api'];
export type JobsConfig = Config['jobs'];
export type RetentionConfig = Config['retention'];
export type SequencerConfig = Config['sequencer'];
export type CrowdtwistConfig = Config['crowdtwist'];

/** The defaults, as the daemon runs with no file and no environment. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
