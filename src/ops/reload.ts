/**
 * SIGHUP: which configuration changes apply to the running daemon, and which wait for a restart.
 * The running parts hold references to the configuration's sections and read most limits at the
 * moment they use them, so a live key is applied by writing the new value into those same
 * objects. Any key not listed here as live (including keys added later) is reported as needing a
 * restart: claiming a change applied when it did not is the worse mistake.
 */
import type { Config } from '../config/schema.js';

/** Keys (`section.key`) that take effect without a restart. */
export const LIVE_KEYS: ReadonlySet<string> = new Set([
  'log.level',
  'stop_timeout_seconds',
  // Read when a connection or session starts: new connections get the new value.
  'sftp.max_upload_bytes',
  'sftp.max_connections',
  'sftp.max_connections_per_address',
  'sftp.login_grace_seconds',
  'sftp.max_unauthenticated',
  'sftp.unauthenticated_drop_from',
  'sftp.unauthenticated_drop_percent',
  'sftp.banner_timeout_seconds',
  'sftp.handshake_timeout_seconds',
  'sftp.idle_timeout_seconds',
  'sftp.access_check_ms',
  'sftp.max_auth_attempts',
  'sftp.auth_failure_delay_ms',
  'sftp.max_open_handles',
  'sftp.max_requests_in_flight',
  'sftp.spool_quota_bytes',
  'sftp.spool_quota_files',
  'sftp.min_free_disk_bytes',
  'intake.stable_ms',
  'intake.refuse_names_at_upload',
  // The listener is restarted and the jobs rescheduled when these change.
  'http.enabled',
  'http.host',
  'http.port',
  // The partner API listens anew with the new values; requests in progress are ended.
  'api.enabled',
  'api.host',
  'api.port',
  'api.cert',
  'api.key',
  'api.trusted_proxy',
  'api.header_timeout_seconds',
  'api.request_timeout_seconds',
  'api.keep_alive_seconds',
  'api.max_requests',
  'api.max_requests_per_partner',
  'api.result_wait_seconds',
  'api.token_minutes',
  'api.refresh_token_hours',
  'api.max_form_fields',
  'api.console',
  'jobs.timezone',
  'jobs.retention',
  'jobs.checkpoint',
  'jobs.summary',
  'retention.archive_days',
  'retention.outbox_days',
  'retention.record_errors_days',
]);

/**
 * Sections read whole at each use: every key under them is live, those named by partner too. The
 * webhook subscriptions are looked up by name at each attempt.
 */
const LIVE_SECTIONS: readonly string[] = ['notifications.'];

function isLive(key: string): boolean {
  return LIVE_KEYS.has(key) || LIVE_SECTIONS.some((section) => key.startsWith(section));
}

export interface ReloadPlan {
  /** Changed keys applied now. */
  live: string[];
  /** Changed keys that take effect at the next restart; until then the old value stays. */
  restart: string[];
}

type Tree = Record<string, unknown>;

/** Compares two valid configurations key by key. */
export function planReload(current: Config, next: Config): ReloadPlan {
  const changed = changedKeys(current as unknown as Tree, next as unknown as Tree);
  return { live: changed.filter(isLive), restart: changed.filter((key) => !isLive(key)) };
}

/** Writes the values of `keys` from `next` into `current`, in place. */
export function applyLive(current: Config, next: Config, keys: readonly string[]): void {
  for (const key of keys) {
    const parts = key.split('.');
    const leaf = parts.pop() as string;
    let target = current as unknown as Tree;
    let source = next as unknown as Tree;
    for (const part of parts) {
      target = target[part] as Tree;
      source = source[part] as Tree;
    }
    target[leaf] = source[leaf];
  }
}

function changedKeys(a: Tree, b: Tree, prefix = ''): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const changed: string[] = [];
  for (const key of keys) {
    const left = a[key];
    const right = b[key];
    if (isTree(left) && isTree(right)) changed.push(...changedKeys(left, right, `${prefix}${key}.`));
    else if (JSON.stringify(left) !== JSON.stringify(right)) changed.push(`${prefix}${key}`);
  }
  return changed.sort();
}

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
