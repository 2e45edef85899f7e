/**
 * What the console needs from the running daemon, as interfaces: it reads through the read
 * model, and acts only through `ConsoleActions`, which the composition root builds from the same
 * code the CLI commands run.
 */
import type { ConsoleConfig } from '../../config/console-schema.js';
import type { DataLayout } from '../../data-layout.js';
import type { Log } from '../../log.js';
import type { HealthReport } from '../../ops/health.js';
import type { ReadModel } from '../../read-model/read-model.js';
import type { Operator, OperatorAction } from '../../store/operators.js';

/** A scheduled job's last run. */
export interface JobRun {
  job: string;
  result: 'ok' | 'failed' | 'skipped';
  at: string;
}

/** Who acts, and why: every action is recorded with both. */
export interface Actor {
  operator: string;
  reason: string;
}

/** The operator actions; each resolves with what happened, or throws an OperatorError saying why not. */
export interface ConsoleActions {
  release(actor: Actor, request: { partner: string; format: string; day: string; through: number }): Promise<string>;
  reprocess(actor: Actor, fileId: number, force: boolean): Promise<string>;
  setPartnerEnabled(actor: Actor, partner: string, enabled: boolean): Promise<string>;
  undo(actor: Actor, fileId: number): Promise<string>;
}

/** Operator accounts as the console uses them; writes go through the daemon's write lock. */
export interface ConsoleAccounts {
  get(name: string): Promise<Operator | undefined>;
  loggedIn(name: string): Promise<void>;
  recordAction(action: Omit<OperatorAction, 'id' | 'at'>): Promise<void>;
  actions(limit: number): Promise<OperatorAction[]>;
}

/** Failed logins per address (the same Defender as SFTP logins, an instance of its own). */
export interface LoginDefender {
  isBanned(address: string): boolean;
  recordFailure(address: string): void;
}

export interface ConsoleDeps {
  config: ConsoleConfig;
  layout: DataLayout;
  read: ReadModel;
  accounts: ConsoleAccounts;
  actions: ConsoleActions;
  defender: LoginDefender;
  health: () => Promise<HealthReport>;
  jobRuns: () => JobRun[];
  log: Log;
  now: () => Date;
  /** The address whose X-Forwarded-For and X-Forwarded-Proto are believed ('' for none). */
  trustedProxy?: () => string;
  /** A failed console login, for the metrics. */
  onLoginFailure?: () => void;
}
