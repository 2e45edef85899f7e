/**
 * The store seam of partners and their keys: the asynchronous interface both engines answer alike.
 * The SQLite side is today's `PartnerStore`; the PostgreSQL side is `postgres/partners.ts`.
 * Reads go anywhere; writes run inside `store.transaction` (see store.ts).
 */
import type { PublicKeyEntry } from '../security/public-keys.js';
import type { Db } from './database.js';
import { PartnerStore, type NewPartner, type Partner, type PartnerKey, type PartnerPatch, type PartnerWithKeys } from './partners.js';

/** One partner's access as the daemon polls it: its credentials version and whether it may log in. */
export interface CredentialState {
  id: string;
  version: number;
  enabled: boolean;
}

/** Partners, whatever engine holds them. See `PartnerStore` for what each call means. */
export interface PartnerStoreAsync {
  get(id: string): Promise<Partner | undefined>;
  /** The partner and its keys in one query (a login attempt's one look-up). */
  withKeys(id: string): Promise<PartnerWithKeys | undefined>;
  list(): Promise<Partner[]>;
  add(partner: NewPartner): Promise<Partner>;
  /** False when the partner does not exist; disabling or a new password raises the credentials version. */
  update(id: string, patch: PartnerPatch): Promise<boolean>;
  keys(partnerId: string): Promise<PartnerKey[]>;
  /** False when the partner already has the key. */
  addKey(partnerId: string, key: PublicKeyEntry): Promise<boolean>;
  /** By fingerprint or row id; false when nothing matched. A removal raises the credentials version. */
  removeKey(partnerId: string, fingerprintOrId: string): Promise<boolean>;
  credentialStates(): Promise<CredentialState[]>;
}

/** SQLite: each call is today's `PartnerStore` call, answered at once. */
export class SqlitePartnerStore implements PartnerStoreAsync {
  /** The synchronous store underneath, for callers not yet on the seam. */
  readonly sync: PartnerStore;

  constructor(db: Db, now: () => Date) {
    this.sync = new PartnerStore(db, now);
  }

  async get(id: string) {
    return this.sync.get(id);
  }
  async withKeys(id: string) {
    return this.sync.withKeys(id);
  }
  async list() {
    return this.sync.list();
  }
  async add(partner: NewPartner) {
    return this.sync.add(partner);
  }
  async update(id: string, patch: PartnerPatch) {
    return this.sync.update(id, patch);
  }
  async keys(partnerId: string) {
    return this.sync.keys(partnerId);
  }
  async addKey(partnerId: string, key: PublicKeyEntry) {
    return this.sync.addKey(partnerId, key);
  }
  async removeKey(partnerId: string, fingerprintOrId: string) {
    return this.sync.removeKey(partnerId, fingerprintOrId);
  }
  async credentialStates() {
    return this.sync.credentialStates();
  }
}
