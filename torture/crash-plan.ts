/**
 * The crash loop's uploads, all four formats, and what the database must hold once they are all
 * in, however often the daemon was killed on the way: the ground truth, computed from the files
 * themselves. Counters arrive out of order, some files are resent (same name or another one), a
 * PBJ name is refused, fixed and reused, and every format carries bad records beside good ones.
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { seededRandom, type Random } from '../bench/support/seeded-random.js';

export const PARTNER = 'acme';
export const CHANNELS = ['direct-mail', 'retail'];

/** One upload, in the order the partner sends them. */
export interface Upload {
  name: string;
  content: Buffer;
  /** The state its ledger row must end in. */
  ends: 'processed' | 'rejected';
}

/** The upload's sha256, as the ledger keys a file. */
export function sha256Of(upload: Upload): string {
  return createHash('sha256').update(upload.content).digest('hex');
}

/** What must be stored, once each. */
export interface GroundTruth {
  receiptIds: string[];
  returnIds: string[];
  fulfillmentIds: string[];
  /** `channel/order_id`. */
  orderIds: string[];
  /** Ledger entries by Toolbox file name. */
  toolboxEntries: Record<string, number>;
  /** Stored lines by Carma file name (a resend under another name is stored again: append-only). */
  carmaLines: Record<string, number>;
  /** Last processed counter by CrowdTwist day (`YYYY-MM-DD`). */
  sequences: Record<string, number>;
}

export interface CrashPlan {
  uploads: Upload[];
  truth: GroundTruth;
  /** The daemon's configuration for the partner (Toolbox campaigns). */
  config: Record<string, unknown>;
}

/** Sizes: most files small, one of each format large enough that a kill lands inside its parse. */
export interface PlanSize {
  /** Purchases in the large CrowdTwist file. */
  largePurchases: number;
  /** Lines in the large PBJ and Carma files. */
  largeLines: number;
}

export const FULL_SIZE: PlanSize = { largePurchases: 12_000, largeLines: 120_000 };

const COUNTERS = 8;

interface Day {
  compact: string;
  iso: string;
  dashed: string;
}

/** Yesterday and the day before (UTC): days every name rule accepts. */
function days(now: Date): [Day, Day] {
  const day = (back: number): Day => {
    const iso = new Date(now.getTime() - back * 86_400_000).toISOString().slice(0, 10);
    const [y, m, d] = iso.split('-') as [string, string, string];
    return { compact: `${y}${m}${d}`, iso, dashed: `${d}-${m}-${y}` };
  };
  return [day(1), day(2)];
}

/** A valid purchase request with two items, the second awaiting fulfillment when `awaiting`. */
export function purchase(receiptId: string, awaiting = false): Record<string, unknown> {
  return {
    type: 'purchase',
    data: {
      receipt_id: receiptId,
      order_id: `o-${receiptId}`,
      user_id: 1000,
      total: 12.5,
      subtotal: 11,
      date_purchased: '2024-05-08T10:25:43+00:00',
      channel_id: 1,
      currency: 'EUR',
      custom_data: {},
      items: [
        { sku: 'a', price: 5, quantity: 2 },
        { sku: 'b', price: 2.5, quantity: 1, is_awaiting_fulfillment: awaiting },
      ],
      tenders: [{ type: 1, amount: 12.5 }],
      coupons: [],
    },
  };
}

const posFile = (requests: unknown[]): Buffer => Buffer.from(`{"pos_data": [\n${requests.map((request) => JSON.stringify(request)).join(',\n')}\n]}\n`);

function shuffled<T>(random: Random, items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** CrowdTwist: 8 counters on each of two days, sent out of order, one resent under another name. */
function crowdtwist(random: Random, size: PlanSize, now: Date, truth: GroundTruth): Upload[][] {
  return days(now).map(({ compact, iso }) => {
    const files: Upload[] = [];
    for (let counter = 1; counter <= COUNTERS; counter += 1) {
      const count = counter === 5 && compact === days(now)[0].compact ? size.largePurchases : 20 + counter * 10;
      const ids = Array.from({ length: count }, (_, i) => `p-${compact}-${counter}-${i}`);
      const requests: unknown[] = ids.map((id, i) => purchase(id, i === 0));
      truth.receiptIds.push(...ids);
      // one bad request in every file: stored never, the rest of the file regardless
      requests.splice(3, 0, { ...purchase(`bad-${compact}-${counter}`), data: { ...(purchase('x').data as object), receipt_id: `bad-${compact}-${counter}`, user_id: 'nobody' } });
      if (counter > 1) {
        const bought = `p-${compact}-${counter - 1}-0`;
        requests.push({ type: 'return', data: { receipt_id: bought, return_id: `r-${compact}-${counter}`, date_returned: '2024-05-09T00:00:00Z', items: [{ sku: 'a', quantity: 1 }] } });
        requests.push({ type: 'fulfillment', data: { receipt_id: bought, fulfillment_id: `f-${compact}-${counter}`, date_fulfilled: '2024-05-09T00:00:00Z', items: [{ sku: 'b', quantity: 1 }] } });
        // more than was bought: refused, whatever the order of the kills
        requests.push({ type: 'return', data: { receipt_id: bought, return_id: `rx-${compact}-${counter}`, date_returned: '2024-05-09T00:00:00Z', items: [{ sku: 'a', quantity: 9 }] } });
        truth.returnIds.push(`r-${compact}-${counter}`);
        truth.fulfillmentIds.push(`f-${compact}-${counter}`);
      }
      files.push({ name: `${compact}_${String(counter).padStart(4, '0')}_${PARTNER}_pos_batch.json`, content: posFile(requests), ends: 'processed' });
    }
    truth.sequences[iso] = COUNTERS;
    const order = shuffled(random, files);
    const second = files[1] as Upload;
    order.push({ name: second.name.replace('_batch.json', '_again.json'), content: second.content, ends: 'processed' });
    return order;
  });
}

const PBJ_HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';
const pbjLines = (first: number, count: number, iso: string): string =>
  Array.from({ length: count }, (_, i) => `${first + i},${40 + (i % 9)},C-${i % 997},Ticket,${1 + (i % 3)},2.50,card,${iso}`).join('\n');

/** PBJ: all or nothing, a name once. One name is refused, fixed, sent again as it was, then reused: refused twice. */
function pbj(size: PlanSize, now: Date, truth: GroundTruth): Upload[] {
  const [{ iso, dashed }] = days(now);
  const uploads: Upload[] = [];
  for (let batch = 1; batch <= 5; batch += 1) {
    const count = batch === 3 ? size.largeLines : 50 * batch;
    uploads.push({ name: `direct-mail_${dashed}_${batch}.csv`, content: Buffer.from(`${PBJ_HEADER}${pbjLines(batch * 1_000_000, count, iso)}\n`), ends: 'processed' });
    truth.orderIds.push(...Array.from({ length: count }, (_, i) => `direct-mail/${batch * 1_000_000 + i}`));
  }
  const name = `retail_${dashed}_fix.csv`;
  const fixed = Buffer.from(`${PBJ_HEADER}${pbjLines(9_000_000, 40, iso)}\n`);
  uploads.push({ name, content: Buffer.from(`${PBJ_HEADER}${pbjLines(9_000_000, 40, iso)}\nnot-a-number,1,C,Ticket,1,2.50,card,${iso}\n`), ends: 'rejected' });
  uploads.push({ name, content: fixed, ends: 'processed' });
  // the same bytes again, once the first is archived: a name is accepted once
  uploads.push({ name, content: fixed, ends: 'rejected' });
  uploads.push({ name, content: Buffer.from(`${PBJ_HEADER}${pbjLines(9_500_000, 5, iso)}\n`), ends: 'rejected' });
  truth.orderIds.push(...Array.from({ length: 40 }, (_, i) => `retail/${9_000_000 + i}`));
  return uploads;
}

/** Client Toolbox: earnings, a redemption within the balance and one beyond it, in each file. */
function toolbox(now: Date, truth: GroundTruth): Upload[] {
  const [{ compact, iso }] = days(now);
  return Array.from({ length: 5 }, (_, index) => {
    const batch = index + 1;
    const earn = Array.from({ length: 30 * batch }, (_, i) => `L1|t${batch}-${i % 25}|N|${(i % 7) + 1},50|${iso}|e${i}|`);
    const lines = [...earn, `L1|t${batch}-0|Y|1|${iso}|within|`, `L1|t${batch}-1|Y|100000|${iso}|beyond|`];
    const name = `transactions_${compact}_${batch}.psv`;
    truth.toolboxEntries[name] = lines.length - 1;
    return { name, content: Buffer.from(`campaign_id|code|redeemed|amount|date|authorization|promo_id\n${lines.join('\n')}\n`), ends: 'processed' as const };
  });
}

/** Carma: append-only, one line of 32 columns in each file, one file sent again under another name. */
function carma(size: PlanSize, truth: GroundTruth): Upload[] {
  const uploads = Array.from({ length: 5 }, (_, index) => {
    const list = index + 1;
    const count = list === 4 ? size.largeLines : 40 * list;
    const lines = Array.from({ length: count }, (_, i) => `c-${list}-${i};SKU-${i % 311};${(i % 90) + 1}.25;2024-03-0${1 + (i % 9)} 12:00:00;1;${(i % 90) + 1}.25`);
    lines.splice(2, 0, `c-bad;SKU;1.00${';x'.repeat(29)}`);
    const name = `purchasehistory_L${list}_batch.csv`;
    truth.carmaLines[name] = count;
    return { name, content: Buffer.from(`${lines.join('\n')}\n`), ends: 'processed' as const };
  });
  const first = uploads[0] as Upload;
  const again = { name: 'purchasehistory_L1_again.csv', content: first.content, ends: 'processed' as const };
  truth.carmaLines[again.name] = truth.carmaLines[first.name] as number;
  return [...uploads, again];
}

/** Takes the next upload from a random one of the queues: formats interleave, each keeps its order. */
function interleave(random: Random, queues: Upload[][]): Upload[] {
  const pending = queues.map((queue) => [...queue]).filter((queue) => queue.length > 0);
  const out: Upload[] = [];
  while (pending.length > 0) {
    const index = Math.floor(random() * pending.length);
    const queue = pending[index] as Upload[];
    out.push(queue.shift() as Upload);
    if (queue.length === 0) pending.splice(index, 1);
  }
  return out;
}

/** The uploads of one crash loop and their ground truth, the same for the same `seed` and day. */
export function crashPlan(seed: number, size: PlanSize = FULL_SIZE, now = new Date()): CrashPlan {
  const random = seededRandom(seed);
  const truth: GroundTruth = { receiptIds: [], returnIds: [], fulfillmentIds: [], orderIds: [], toolboxEntries: {}, carmaLines: {}, sequences: {} };
  const queues = [...crowdtwist(random, size, now, truth), pbj(size, now, truth), toolbox(now, truth), carma(size, truth)];
  return {
    uploads: interleave(random, queues),
    truth,
    config: {
      // A reused PBJ name must reach the pipeline: its claim inside the file's transaction, under
      // kills, is what the loop proves (refused at upload time, it would never be tried).
      intake: { rescan_seconds: 5, refuse_names_at_upload: false },
      clienttoolbox: { [PARTNER]: { create_new_customers: true, campaigns: [{ id: 'L1', type: 'points', ratio: 1 }] } },
      // Nobody listens there: the deliveries stay in the outbox, where the check counts them.
      notifications: { subscriptions: [{ name: WEBHOOK, url: 'http://127.0.0.1:9/posdrop', secret: 'crash-loop-webhook-secret' }], backoff_seconds: 60 },
    },
  };
}

/** The crash loop's webhook subscription: every final state must be in its outbox exactly once. */
export const WEBHOOK = 'crash';

/** Records the truth counts: what "records" means in the loop's report. */
export function recordCount(truth: GroundTruth): number {
  const sum = (values: Record<string, number>) => Object.values(values).reduce((total, value) => total + value, 0);
  return truth.receiptIds.length + truth.returnIds.length + truth.fulfillmentIds.length + truth.orderIds.length + sum(truth.toolboxEntries) + sum(truth.carmaLines);
}
