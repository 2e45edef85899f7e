/**
 * Notices what another process (the CLI, another node) changed about partners' access.
 * On SQLite `PRAGMA data_version` moves only when another connection commits, so most polls cost
 * one pragma; only then are the partners' credentials versions read. On PostgreSQL there is no
 * such counter: `PollingCredentialWatch` reads every partner's (id, version, enabled) each poll,
 * one small query, and answers only when they differ from the last reading.
 */
import type { Db } from './database.js';
import type { PartnerStoreAsync } from './partner-store.js';
import type { PartnerStore } from './partners.js';

/** Every partner's current access (credentials version, enabled); a partner missing is gone. */
export type AccessStates = Map<string, { version: number; enabled: boolean }>;

/** What the SFTP server polls, whatever engine holds the partners. */
export interface CredentialWatcher {
  /** The states when they may have changed since the last call (always at the first), else undefined. */
  changes(): Promise<AccessStates | undefined>;
}

export class CredentialWatch implements CredentialWatcher {
  private dataVersion: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly partners: PartnerStore,
  ) {}

  async changes(): Promise<AccessStates | undefined> {
    const dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    if (dataVersion === this.dataVersion) return undefined;
    this.dataVersion = dataVersion;
    const states: AccessStates = new Map();
    for (const { id, version, enabled } of this.partners.credentialStates()) states.set(id, { version, enabled });
    return states;
  }
}

/**
 * The watch of an engine without a commit counter (PostgreSQL). Polling was chosen over
 * LISTEN/NOTIFY: a notification sent while a node's listening connection is down is lost, so a
 * node would have to poll after every reconnect anyway; and the partners table is small.
 */
export class PollingCredentialWatch implements CredentialWatcher {
  private last: string | undefined;

  constructor(private readonly partners: PartnerStoreAsync) {}

  async changes(): Promise<AccessStates | undefined> {
    const rows = await this.partners.credentialStates();
    const reading = JSON.stringify(rows);
    if (reading === this.last) return undefined;
    this.last = reading;
    return new Map(rows.map(({ id, version, enabled }) => [id, { version, enabled }]));
  }
}
