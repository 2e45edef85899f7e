/**
 * After the crash loop: the database against the ground truth of the files, and every receipt
 * against the database. Reads only (the store through a reader, the outbox, the inbox), on either
 * engine.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PARTNER, sha256Of, WEBHOOK, type CrashPlan } from './crash-plan.js';
import type { LedgerReader } from '../bench/support/ledger-reader.js';

export interface Tally {
  /** Records the files hold as valid that are not stored. */
  lost: number;
  /** Extra copies of stored records. */
  duplicated: number;
  problems: string[];
}

/** Compares how often each key is stored with the keys expected once each. */
function compareOnce(what: string, expected: readonly string[], stored: Map<string, number>, tally: Tally): void {
  let lost = 0;
  let duplicated = 0;
  for (const key of expected) {
    const times = stored.get(key) ?? 0;
    if (times === 0) lost += 1;
    if (times > 1) duplicated += times - 1;
  }
  const wanted = new Set(expected);
  const strays = [...stored.keys()].filter((key) => !wanted.has(key));
  tally.lost += lost;
  tally.duplicated += duplicated;
  if (lost) tally.problems.push(`${what}: ${lost} lost`);
  if (duplicated) tally.problems.push(`${what}: ${duplicated} stored twice`);
  if (strays.length) tally.problems.push(`${what}: ${strays.length} stored that no file holds as valid (${strays.slice(0, 3).join(', ')})`);
}

/** Compares stored counts per file name with the expected ones. */
function compareCounts(what: string, expected: Record<string, number>, stored: Map<string, number>, tally: Tally): void {
  for (const [name, count] of Object.entries(expected)) {
    const got = stored.get(name) ?? 0;
    if (got < count) {
      tally.lost += count - got;
      tally.problems.push(`${what} of ${name}: ${count - got} of ${count} lost`);
    } else if (got > count) {
      tally.duplicated += got - count;
      tally.problems.push(`${what} of ${name}: ${got - count} stored twice`);
    }
  }
}

const counted = (rows: { key: string; n: number }[]): Map<string, number> => new Map(rows.map((row) => [row.key, row.n]));

interface LedgerRow {
  id: number;
  name: string;
  sha256: string;
  state: string;
  total: number | null;
  accepted: number | null;
  failed: number | null;
  duplicates: number | null;
  processed_at: string | null;
}

/** Compares the store, receipts and inbox under `dataDir` with the plan's ground truth. */
export async function checkAgainstTruth(reader: LedgerReader, dataDir: string, plan: CrashPlan): Promise<Tally> {
  const tally: Tally = { lost: 0, duplicated: 0, problems: [] };
  const all = <T>(sql: string): Promise<T[]> => reader.all<T>(sql, [PARTNER]);
  const { truth } = plan;
  compareOnce('purchases', truth.receiptIds, counted(await all('SELECT receipt_id AS key, count(*) AS n FROM crowdtwist_purchases WHERE partner_id = ? GROUP BY receipt_id')), tally);
  compareOnce('returns', truth.returnIds, counted(await all('SELECT return_id AS key, count(*) AS n FROM crowdtwist_returns WHERE partner_id = ? GROUP BY return_id')), tally);
  compareOnce('fulfillments', truth.fulfillmentIds, counted(await all('SELECT fulfillment_id AS key, count(*) AS n FROM crowdtwist_fulfillments WHERE partner_id = ? GROUP BY fulfillment_id')), tally);
  compareOnce('PBJ sales', truth.orderIds, counted(await all("SELECT channel || '/' || order_id AS key, count(*) AS n FROM pbj_sales WHERE partner_id = ? GROUP BY channel, order_id")), tally);
  const byFile = async (table: string) => counted(await all(`SELECT f.name AS key, count(*) AS n FROM ${table} r JOIN files f ON f.id = r.file_id WHERE r.partner_id = ? GROUP BY f.name`));
  compareCounts('Toolbox entries', truth.toolboxEntries, await byFile('toolbox_entries'), tally);
  compareCounts('Carma lines', truth.carmaLines, await byFile('carma_purchases'), tally);

  const unbalanced = await all<{ code: string }>(
    `SELECT b.code FROM toolbox_balances b WHERE b.partner_id = ? AND b.balance <> (SELECT coalesce(sum(e.delta), 0) FROM toolbox_entries e
       WHERE e.partner_id = b.partner_id AND e.campaign_id = b.campaign_id AND e.code = b.code AND e.product = b.product)`,
  );
  if (unbalanced.length) tally.problems.push(`Toolbox: ${unbalanced.length} balances differ from the sum of their entries`);

  const sequences = await all<{ day: string; last: number }>('SELECT day, last_processed AS last FROM sequences WHERE partner_id = ?');
  for (const { day, last } of sequences) {
    if (truth.sequences[day] !== last) tally.problems.push(`sequence of ${day} at ${last}, expected ${truth.sequences[day]}`);
  }
  const days = new Set(sequences.map((row) => row.day));
  for (const day of Object.keys(truth.sequences)) if (!days.has(day)) tally.problems.push(`no sequence for ${day}`);

  const rows = await all<LedgerRow>('SELECT id, name, sha256, state, total, accepted, failed, duplicates, processed_at FROM files WHERE partner_id = ? ORDER BY id');
  for (const row of rows.filter((row) => row.state !== 'processed' && row.state !== 'rejected')) {
    tally.problems.push(`${row.name} left ${row.state}`);
  }
  // An identity may have several rows: a PBJ name sent again after its file was archived, or an
  // upload the client sent again because the kill took the reply to its CLOSE.
  for (const upload of plan.uploads) {
    const states = rows.filter((row) => row.name === upload.name && row.sha256 === sha256Of(upload)).map((row) => row.state);
    if (states.length === 0) tally.problems.push(`${upload.name} has no ledger row`);
    else if (!states.includes(upload.ends)) tally.problems.push(`${upload.name} ended ${states.join(', ')}, expected ${upload.ends}`);
  }
  checkCounterOrder(rows, tally);
  await checkReceipts(dataDir, rows, tally);
  await checkWebhooks(reader, rows, tally);
  const inbox = await readdir(path.join(dataDir, 'partners', PARTNER, 'inbox')).catch(() => []);
  if (inbox.length) tally.problems.push(`still in the inbox: ${inbox.join(', ')}`);
  return tally;
}

/** `YYYYMMDD_NNNN_<partner>_pos_<any>.json`: a day's counter file (the plan's batches and its resend). */
const COUNTER_FILE = /^(\d{8})_(\d{4})_.+_pos_.+\.json$/;

/**
 * Each day's counters were processed in counter order, whichever node took them: each counter
 * was first processed after the one before it first was (the times are the nodes' clocks, one
 * machine's, so one clock). The first time: a counter has several files when one is resent
 * under another name, and whichever of them is processed first is that counter; the other,
 * then a resend, may come at any time after.
 */
function checkCounterOrder(rows: LedgerRow[], tally: Tally): void {
  const byDay = new Map<string, Map<number, string>>();
  for (const row of rows) {
    const match = COUNTER_FILE.exec(row.name);
    if (!match || row.state !== 'processed' || row.processed_at === null) continue;
    const firsts = byDay.get(match[1] as string) ?? new Map<number, string>();
    const counter = Number(match[2]);
    const known = firsts.get(counter);
    if (known === undefined || row.processed_at < known) firsts.set(counter, row.processed_at);
    byDay.set(match[1] as string, firsts);
  }
  for (const [day, firsts] of byDay) {
    const list = [...firsts].map(([counter, at]) => ({ counter, at })).sort((a, b) => a.counter - b.counter);
    for (let i = 1; i < list.length; i += 1) {
      const [before, after] = [list[i - 1], list[i]] as [{ counter: number; at: string }, { counter: number; at: string }];
      if (after.at < before.at) tally.problems.push(`${day}: counter ${after.counter} processed at ${after.at}, before counter ${before.counter} (${before.at})`);
    }
  }
}

/**
 * Each final state a file reached raised its webhook once: none lost to a kill after the commit,
 * none raised twice, and none for a file whose transaction the kill rolled back.
 */
async function checkWebhooks(reader: LedgerReader, rows: LedgerRow[], tally: Tally): Promise<void> {
  const raised = new Map<string, number>();
  const events = await reader.all<{ id: number; event: string; n: number }>(
    "SELECT file_id AS id, event, count(*) AS n FROM notification_deliveries WHERE subscription = ? AND event IN ('file.processed', 'file.rejected') GROUP BY file_id, event",
    [WEBHOOK],
  );
  for (const event of events) raised.set(`${event.id}/${event.event}`, event.n);
  let lost = 0;
  let twice = 0;
  for (const row of rows) {
    const times = raised.get(`${row.id}/file.${row.state}`) ?? 0;
    if (times === 0) lost += 1;
    if (times > 1) twice += times - 1;
    raised.delete(`${row.id}/file.${row.state}`);
  }
  if (lost) tally.problems.push(`webhooks: ${lost} final states raised no event`);
  if (twice) tally.problems.push(`webhooks: ${twice} events raised twice`);
  if (raised.size) tally.problems.push(`webhooks: ${raised.size} events for a state its file is not in (${[...raised.keys()].slice(0, 3).join(', ')})`);
}

/** The receipt of each name says what its newest ledger row says. */
async function checkReceipts(dataDir: string, rows: LedgerRow[], tally: Tally): Promise<void> {
  const newest = new Map<string, LedgerRow>();
  for (const row of rows) newest.set(row.name, row);
  for (const row of newest.values()) {
    const file = path.join(dataDir, 'partners', PARTNER, 'outbox', `${row.name}.receipt.json`);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) {
      tally.problems.push(`${row.name}: no receipt`);
      continue;
    }
    const receipt = JSON.parse(text) as { state: string; sha256: string; counts: Record<string, number> | null };
    const counts = row.total === null ? null : { total: row.total, accepted: row.accepted, failed: row.failed, duplicates: row.duplicates };
    if (receipt.state !== row.state || receipt.sha256 !== row.sha256 || JSON.stringify(receipt.counts) !== JSON.stringify(counts)) {
      tally.problems.push(`${row.name}: the receipt says ${receipt.state} ${JSON.stringify(receipt.counts)}, the ledger ${row.state} ${JSON.stringify(counts)}`);
    }
  }
}
