/**
 * The mixed files of the load bench: for one partner, 20 files of the four formats and of sizes
 * from 2 KB to about 2 MB, all valid, so that every record is expected to be stored.
 */
import { purchaseRequest } from './pos-batch-generator.js';

export interface LoadFile {
  name: string;
  content: string;
  /** Records the daemon should accept. */
  records: number;
}

/** `yyyymmdd` and `dd-mm-yyyy` of yesterday (UTC): a date every name rule accepts. */
function yesterday(): { compact: string; dashed: string; iso: string } {
  const iso = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const [y, m, d] = iso.split('-') as [string, string, string];
  return { compact: `${y}${m}${d}`, dashed: `${d}-${m}-${y}`, iso };
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function crowdtwist(partner: string, counter: number, purchases: number): LoadFile {
  const day = yesterday().compact;
  const next = random(counter * 7919 + partner.length);
  const requests = Array.from({ length: purchases }, (_, i) => purchaseRequest(i, next, `${partner}-${counter}-`).text);
  return {
    name: `${day}_${String(counter).padStart(4, '0')}_${partner}_pos_load.json`,
    content: `{"pos_data": [\n${requests.join(',\n')}\n]}\n`,
    records: purchases,
  };
}

function pbj(batch: number, lines: number): LoadFile {
  const { dashed, iso } = yesterday();
  const rows = Array.from({ length: lines }, (_, i) => `${batch * 100_000 + i},${1000 + (i % 52)},CUST-${i},Ticket,1,2.50,card,${iso}`);
  return {
    name: `direct-mail_${dashed}_${batch}.csv`,
    content: `ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n${rows.join('\n')}\n`,
    records: lines,
  };
}

function toolbox(batch: number, lines: number): LoadFile {
  const { compact, iso } = yesterday();
  const rows = Array.from({ length: lines }, (_, i) => `L1|card-${batch}-${i % 500}|N|${(i % 90) + 10},50|${iso}|load ${i}|`);
  return {
    name: `transactions_${compact}_${batch}.psv`,
    content: `campaign_id|code|redeemed|amount|date|authorization|promo_id\n${rows.join('\n')}\n`,
    records: lines,
  };
}

function carma(partner: string, batch: number, lines: number): LoadFile {
  const rows = Array.from(
    { length: lines },
    (_, i) => `contact-${i % 9973};SKU-${(i * 31) % 10_000};${(i % 500) + 1}.25;2024-03-0${1 + (i % 9)} 12:00:00;1;${(i % 500) + 1}.25;store-${i % 40}`,
  );
  return { name: `purchasehistory_${partner}_${batch}.csv`, content: `${rows.join('\n')}\n`, records: lines };
}

/** 20 files: 8 CrowdTwist (counters in order), 4 PBJ, 4 Toolbox, 4 Carma (one of about 2 MB). */
export function loadFiles(partner: string): LoadFile[] {
  return [
    crowdtwist(partner, 1, 3),
    pbj(1, 40),
    carma(partner, 1, 30),
    crowdtwist(partner, 2, 40),
    toolbox(1, 40),
    crowdtwist(partner, 3, 200),
    pbj(2, 2_000),
    carma(partner, 2, 30_000),
    crowdtwist(partner, 4, 10),
    toolbox(2, 1_000),
    crowdtwist(partner, 5, 3),
    carma(partner, 3, 300),
    pbj(3, 300),
    crowdtwist(partner, 6, 1_000),
    toolbox(3, 100),
    crowdtwist(partner, 7, 30),
    carma(partner, 4, 30),
    pbj(4, 40),
    toolbox(4, 30),
    crowdtwist(partner, 8, 3),
  ];
}

/** A 2 KB Carma file, for the latency of a small upload. */
export function smallFile(n: number): LoadFile {
  const file = carma('lat', n, 30);
  const content = file.content.slice(0, 2048).replace(/[^\n]*$/, '');
  return { ...file, content, records: content.split('\n').filter(Boolean).length };
}

/** Campaign configuration the Toolbox files need, for each partner. */
export function toolboxConfig(partners: string[]): Record<string, unknown> {
  const campaign = { id: 'L1', type: 'points', ratio: 1 };
  return Object.fromEntries(partners.map((id) => [id, { create_new_customers: true, apply_ratio: false, campaigns: [campaign] }]));
}
