/**
 * A large ledger for `npm run bench console`, written straight into a fresh database: partners,
 * files over the last 90 days in every state (CrowdTwist names, so holds have sequences), their
 * history, and record errors spread as they are in life — many files with a few, a few with very
 * many. Seeded, so every run measures the same ledger.
 */
import path from 'node:path';
import { hashPassword } from '../src/security/password.js';
import { openDatabase } from '../src/store/database.js';
import { seededRandom } from './support/seeded-random.js';

export interface LedgerShape {
  files: number;
  recordErrors: number;
}

export interface BuiltLedger {
  /** The file with the most record errors. */
  heavyFile: number;
  heavyErrors: number;
  /** A file id halfway down the list: a deep page. */
  middleFile: number;
}

const PARTNERS = ['acme', 'beta', 'corex', 'dunmore', 'elkhorn'];
const CODES = ['missing_field', 'invalid_type', 'invalid_value', 'unknown_sku', 'duplicate_receipt_id', 'over_return', 'unsafe_integer'];
/** Files that carry the bulk of the errors, the rest spread thin. */
const HEAVY_FILES = 10;

export async function buildLedger(dataDir: string, shape: LedgerShape, now: Date): Promise<BuiltLedger> {
  const db = openDatabase(path.join(dataDir, 'posdrop.db'));
  const random = seededRandom(20261203);
  const at = now.toISOString();
  const passwordHash = await hashPassword('bench-operator-1', { ln: 10, r: 8, p: 1 });
  db.prepare("INSERT INTO operators (name, password_hash, role, created_at, updated_at) VALUES ('bench', ?, 'admin', ?, ?)").run(passwordHash, at, at);
  const partner = db.prepare("INSERT INTO partners (id, client_id, channels, formats, created_at, updated_at) VALUES (?, ?, '[]', '[\"crowdtwist-pos\"]', ?, ?)");
  PARTNERS.forEach((id, i) => partner.run(id, String(12 + i), at, at));
  const file = db.prepare(
    `INSERT INTO files (id, partner_id, name, sha256, size, format, fields, state, reason_code, reason, total, accepted, failed, duplicates,
                        received_at, state_changed_at, processing_started_at, processed_at, archive_path, errors_not_stored, left_inbox_at)
     VALUES (@id, @partner, @name, @sha, @size, @format, @fields, @state, @code, @reason, @total, @accepted, @failed, @duplicates,
             @received, @received, @received, @processed, NULL, 0, @left)`,
  );
  const event = db.prepare('INSERT INTO file_events (file_id, at, state, detail) VALUES (?, ?, ?, ?)');
  const error = db.prepare('INSERT INTO record_errors (file_id, position, record_key, field, code, message, value) VALUES (?, ?, ?, ?, ?, ?, ?)');
  // 100,000 files over 90 days: about 1,100 a day, a busy installation.
  const span = 90 * 86_400_000;
  const thinFiles = Math.max(1, Math.floor(shape.files / 10));
  const heavyErrors = Math.floor(shape.recordErrors / 2 / HEAVY_FILES);
  const thinErrors = Math.floor(shape.recordErrors / 2 / thinFiles);
  const counters = new Map<string, number>();
  db.transaction(() => {
    for (let id = 1; id <= shape.files; id += 1) {
      const received = new Date(now.getTime() - span + (span * id) / shape.files);
      const partnerIndex = Math.floor(random() * PARTNERS.length);
      const partnerId = PARTNERS[partnerIndex] as string;
      const day = received.toISOString().slice(0, 10);
      const key = `${partnerId} ${day}`;
      const counter = (counters.get(key) ?? 0) + 1;
      counters.set(key, counter);
      const roll = random();
      const state = id > shape.files - 40 && roll < 0.25 ? 'held' : roll < 0.03 ? 'rejected' : 'processed';
      const total = 20 + Math.floor(random() * 500);
      const errors = id <= HEAVY_FILES ? heavyErrors : id % 10 === 0 ? thinErrors : 0;
      const failed = state === 'processed' ? Math.min(total, errors) : 0;
      file.run({
        id,
        partner: partnerId,
        name: `${day.replaceAll('-', '')}_${String(counter).padStart(4, '0')}_${12 + partnerIndex}_pos_store${id % 97}.json`,
        sha: id.toString(16).padStart(64, '0'),
        size: 1000 + total * 300,
        format: state === 'rejected' ? null : 'crowdtwist-pos',
        fields: state === 'rejected' ? null : JSON.stringify({ date: day, counter, client_id: String(12 + partnerIndex), any: `store${id % 97}` }),
        state,
        code: state === 'rejected' ? 'unparseable' : null,
        reason: state === 'rejected' ? 'not JSON: unexpected end at line 3, column 1' : null,
        total: state === 'processed' ? total : null,
        accepted: state === 'processed' ? total - failed : null,
        failed: state === 'processed' ? failed : null,
        duplicates: state === 'processed' ? 0 : null,
        received: received.toISOString(),
        processed: state === 'held' ? null : received.toISOString(),
        left: state === 'held' ? null : received.toISOString(),
      });
      event.run(id, received.toISOString(), 'received', null);
      if (state !== 'held') event.run(id, received.toISOString(), state, null);
      for (let position = 0; position < errors; position += 1) {
        const code = CODES[position % 50 === 0 ? 6 : position % 6] as string;
        error.run(id, position, `r-${id}-${position}`, 'data.items[0].quantity', code, 'expected a positive whole number', String(position));
      }
    }
  })();
  db.close();
  return { heavyFile: 1, heavyErrors, middleFile: Math.floor(shape.files / 2) };
}
