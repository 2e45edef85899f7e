/**
 * Notices what another process (the CLI, later another node) changed about partners' access:
 * `PRAGMA data_version` moves only when another connection commits, so most polls cost one
 * pragma; only then are the partners' credentials versions read.
 */
import type { Db } from './database.js';
import type { PartnerStore } from './partners.js';

/** Every partner's current access (credentials version, enabled); a partner missing is gone. */
export type AccessStates = Map<string, { version: number; enabled: boolean }>;

export class CredentialWatch {
  private dataVersion: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly partners: PartnerStore,
  ) {}

  /** The states when another connection committed since the last call, else undefined. */
  async changes(): Promise<AccessStates | undefined> {
    const dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    if (dataVersion === this.dataVersion) return undefined;
    this.dataVersion = dataVersion;
    const states: AccessStates = new Map();
    for (const { id, version, enabled } of this.partners.credentialStates()) states.set(id, { version, enabled });
    return states;
  }
}
