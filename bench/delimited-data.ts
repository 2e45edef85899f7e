/** Generated bench inputs: ~50 MB of Carma purchase history and of PBJ offline sales. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const TARGET_BYTES = 50 * 1024 * 1024;

function carmaLine(i: number): string {
  const price = `${(i % 997) + 1}.${String(i % 100).padStart(2, '0')}`;
  const day = String(1 + (i % 28)).padStart(2, '0');
  return `contact-${String(i % 250_000).padStart(7, '0')};SKU-${String((i * 7919) % 100_000).padStart(6, '0')};${price};2024-03-${day} 12:${String(i % 60).padStart(2, '0')}:00;${1 + (i % 5)};${price};store-${i % 40};web;campaign-${i % 12}\n`;
}

function pbjLine(i: number): string {
  const quantity = 1 + (i % 4);
  return `${100_000 + i},${1000 + (i % 52)},CUST-${String(i % 300_000).padStart(7, '0')},Charity Lottery Ticket,${quantity},${quantity * 2}.50,card,2020-04-${String(1 + (i % 28)).padStart(2, '0')}\n`;
}

export const PBJ_HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';

/** Writes about `TARGET_BYTES` of lines; returns the line count (header excluded). */
export async function generate(file: string, kind: 'carma' | 'pbj'): Promise<number> {
  const out = createWriteStream(file);
  let size = 0;
  let lines = 0;
  let batch = kind === 'pbj' ? PBJ_HEADER : '';
  while (size < TARGET_BYTES) {
    const line = kind === 'carma' ? carmaLine(lines) : pbjLine(lines);
    batch += line;
    size += line.length;
    lines += 1;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
  return lines;
}
