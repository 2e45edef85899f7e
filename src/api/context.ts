/**
 * What the partner API may use of the daemon, handed over by the composition root: accounts and
 * the shared defender, the delivery into an inbox, the intake's outcome of a file and the answers
 * written for it. The API never reaches the pipeline or a format's tables: it drops files in and
 * reads answers, as a partner does over SFTP.
 */
import type { ApiConfig } from '../config/api-schema.js';
import type { DataLayout } from '../data-layout.js';
import type { DeliveredFile } from '../intake/intake.js';
import type { RefusedUpload } from '../intake/refused-upload.js';
import type { UploadVerdict } from '../intake/upload-screen.js';
import type { Log } from '../log.js';
import type { AccountDirectory, LoginDefender } from '../security/partner-login.js';
import type { ApiImport, ApiImports } from '../store/api-imports.js';
import type { FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import type { RequestSlots } from './slots.js';
import type { TokenIssuer } from './tokens.js';

export interface ApiBackend {
  accounts: AccountDirectory;
  defender: LoginDefender;
  partner(id: string): Promise<Partner | undefined>;
  /** The partner's upload limit (its own, else `sftp.max_upload_bytes`). */
  uploadLimit(partner: Partner): number;
  /** The pause after a failed login (`sftp.auth_failure_delay_ms`): guessing costs the same everywhere. */
  failureDelayMs(): number;
  /** A partner logged in with its API key (its last login is kept for the operators). */
  loggedIn?(partner: string, address: string): void;
  submit(file: DeliveredFile, signal: AbortSignal): Promise<FileRecord>;
  /** Why the intake would refuse a file of this name for the name alone, if it would (the SFTP server asks the same). */
  screenName(partner: string, name: string): Promise<UploadVerdict | undefined>;
  /** Records and answers (receipt in /outbox) an upload refused before it reached the inbox. */
  refuseUpload(partner: string, upload: Omit<RefusedUpload, 'area' | 'via'>): Promise<FileRecord | undefined>;
  file(id: number): Promise<FileRecord | undefined>;
  /** The ledger row of these bytes under this name, once the intake has registered them. */
  findFile(partner: string, name: string, sha256: string): Promise<FileRecord | undefined>;
  /** A file of the partner's outbox as text, if it is there. */
  outboxText(partner: string, name: string): Promise<string | undefined>;
  imports: ApiImports;
  /** Client Toolbox options of a partner (the configuration), for a request's answer style. */
  toolboxOptions(partner: string): { receipt: 'xml' | 'json'; condensed: boolean };
}

export interface ApiContext {
  config: ApiConfig;
  layout: DataLayout;
  log: Log;
  now: () => Date;
  backend: ApiBackend;
  slots: RequestSlots;
  tokens: TokenIssuer;
}

export type { ApiImport };
