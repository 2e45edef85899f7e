/**
 * A compressed upload in an inbox (`.gz`, `.zip`): its own ledger row goes `processing`, its
 * members are inflated into the spool and linked into the same inbox under their own names, and
 * it ends `processed` (or `rejected`, nothing of it taken). The members then take the one way
 * every file takes, each with its own identity (partner, inner name, sha256) and receipt. A stop
 * in between is safe: unpacked again, a member already delivered (in the inbox with the same
 * bytes, or in the ledger after this file) is not delivered twice.
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { DataLayout } from '../data-layout.js';
import { envelopeOf, type InflateLimits, type MemberProblem } from '../core/envelope.js';
import { errnoCode, moveNoReplace, pathExists } from '../fs/durable.js';
import type { Log } from '../log.js';
import type { FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import type { Store } from '../store/store.js';
import type { Answers } from './answers.js';
import { digestFile } from './file-identity.js';
import type { PgpKeys } from './decrypt.js';
import { EnvelopeRefused, inflateMembers, type InflatedMember } from './inflate.js';

export interface UnpackerOptions {
  layout: DataLayout;
  store: Store;
  answers: Answers;
  log: Log;
  /** The caps for one partner's compressed uploads (its upload limit per member). */
  limits: (partner: Partner) => InflateLimits;
  /** The OpenPGP keys for one partner's encrypted uploads. */
  pgpKeys: (partner: Partner) => Promise<PgpKeys | MemberProblem>;
}

/** The compressed file's final row, and the members now waiting in the inbox. */
export interface UnpackResult {
  record: FileRecord;
  members: string[];
}

export class Unpacker {
  constructor(private readonly options: UnpackerOptions) {}

  /** Whether `file` is a compressed upload still to be unpacked (classified without a format). */
  static wants(file: FileRecord): boolean {
    return file.format === null && envelopeOf(file.name) !== undefined;
  }

  async unpack(file: FileRecord, partner: Partner, source: string): Promise<UnpackResult> {
    const { store, answers, layout } = this.options;
    const processing = await store.transaction((tx) => tx.ledger.move(file.id, 'processing'));
    await answers.stateChanged(processing, partner);
    let inflated: InflatedMember[];
    try {
      inflated = await inflateMembers(envelopeOf(file.name)!, source, file.size, layout.unpackDir, this.options.limits(partner), () =>
        this.options.pgpKeys(partner),
      );
    } catch (err) {
      if (err instanceof EnvelopeRefused) return { record: await this.refuse(file, err.problem), members: [] };
      throw err;
    }
    try {
      return await this.deliver(file, partner, inflated);
    } finally {
      await Promise.all(inflated.map((member) => unlink(member.temp).catch(() => undefined)));
    }
  }

  /** Links every member into the inbox, or none when one of their names holds other bytes there. */
  private async deliver(file: FileRecord, partner: Partner, inflated: InflatedMember[]): Promise<UnpackResult> {
    const { layout, store, log } = this.options;
    const inbox = layout.areaDir(partner.id, 'inbox');
    const fresh: InflatedMember[] = [];
    for (const member of inflated) {
      const target = path.join(inbox, member.name);
      const known = await store.ledger.find(partner.id, member.name, member.sha256);
      if (known && known.id > file.id) continue; // delivered by an earlier run of this file
      if (await pathExists(target)) {
        if ((await digestFile(target))?.sha256 === member.sha256) continue;
        return { record: await this.refuse(file, pendingName(member.name)), members: [] };
      }
      fresh.push(member);
    }
    const placed: string[] = [];
    for (const member of fresh) {
      try {
        await moveNoReplace(member.temp, path.join(inbox, member.name));
        placed.push(member.name);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        log.warn('file.member_taken', { partner: partner.id, file: file.name, member: member.name, reason: 'a file of that name arrived meanwhile' });
      }
    }
    const names = inflated.map((member) => member.name);
    const record = await store.transaction((tx) =>
      tx.ledger.move(file.id, 'processed', {
        counts: { total: names.length, accepted: placed.length, failed: fresh.length - placed.length, duplicates: names.length - fresh.length },
        detail: `unpacked ${names.length} ${names.length === 1 ? 'file' : 'files'}: ${names.join(', ')}`,
        archivePath: layout.archivePathOf(file),
      }),
    );
    return { record, members: names };
  }

  private refuse(file: FileRecord, problem: MemberProblem): Promise<FileRecord> {
    const { store, layout } = this.options;
    return store.transaction((tx) =>
      tx.ledger.move(file.id, 'rejected', { reasonCode: problem.code, reason: problem.message, counts: null, archivePath: layout.archivePathOf(file) }),
    );
  }
}

function pendingName(name: string): MemberProblem {
  return {
    code: 'archive_member_pending',
    message: `a file named "${name}" with other content is already waiting in the inbox; nothing of the archive was taken: send it again once that file is processed, or remove it first`,
  };
}
