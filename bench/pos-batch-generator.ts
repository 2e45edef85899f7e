/**
 * Generates CrowdTwist POS batches shaped like the specification's example: purchases with two or
 * three items, one or two tenders and a few coupons, one request per line. Deterministic, so
 * that two runs measure the same bytes. Used by the bench and by the tests that need a large file.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from './support/seeded-random.js';

/** The size of a generated batch. */
export interface BatchOptions {
  purchases: number;
  /** Makes receipt ids unique across batches. */
  receiptPrefix?: string;
}

/** What was written. */
export interface BatchSummary {
  bytes: number;
  purchases: number;
  items: number;
}

const COLORS = ['blue', 'red', 'green', 'black', 'white'];
const SIZES = ['Small', 'Medium', 'Large'];

/** One purchase request, as JSON text. */
export function purchaseRequest(n: number, random: () => number, prefix = 'r'): { text: string; items: number } {
  const itemCount = 2 + Math.floor(random() * 2);
  const items = Array.from({ length: itemCount }, (_, line) => ({
    sku: `sku_${Math.floor(random() * 5000)}`,
    price: Math.round(random() * 20000) / 100,
    quantity: 1 + Math.floor(random() * 3),
    transaction_id: line + 1,
    custom_data: { color: COLORS[Math.floor(random() * COLORS.length)], size: SIZES[Math.floor(random() * SIZES.length)] },
  }));
  const total = Math.round(items.reduce((sum, item) => sum + item.price * item.quantity, 0) * 100) / 100;
  const request = {
    type: 'purchase',
    data: {
      receipt_id: `${prefix}-${n}`,
      order_id: `order-${n}`,
      user_id: 46000000 + Math.floor(random() * 100000),
      total,
      subtotal: Math.round(total * 92) / 100,
      date_purchased: new Date(Date.UTC(2017, 4, 8, 8) + n * 1000).toISOString().replace('Z', '+00:00'),
      channel_id: 1,
      currency: 'USD',
      custom_data: { store_loc: `store${n % 40}`, register_id: `register${n % 7}` },
      items,
      tenders: random() < 0.5 ? [{ type: 1, amount: total }] : [{ type: 1, amount: 20 }, { type: 2, amount: Math.max(0, Math.round((total - 20) * 100) / 100) }],
      coupons: random() < 0.5 ? [`${Math.floor(random() * 1e9)}`, 'coupon123789'] : [],
    },
  };
  return { text: JSON.stringify(request), items: itemCount };
}

/** Writes a batch of `purchases` to `file`. */
export async function writePosBatch(file: string, options: BatchOptions): Promise<BatchSummary> {
  const random = seededRandom(20170623);
  const out = createWriteStream(file);
  let bytes = 0;
  let items = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{"pos_data": [\n');
  for (let n = 0; n < options.purchases; n++) {
    const request = purchaseRequest(n, random, options.receiptPrefix);
    items += request.items;
    await write(`${n === 0 ? '' : ',\n'}${request.text}`);
  }
  await write('\n]}\n');
  out.end();
  await once(out, 'close');
  return { bytes, purchases: options.purchases, items };
}
