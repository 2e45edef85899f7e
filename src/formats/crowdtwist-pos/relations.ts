/**
 * The checks of a return or fulfillment against its purchase, once the purchase and what was
 * returned or fulfilled before are read: no item back beyond what was bought (`over_return`), no
 * fulfillment of an item not awaiting it, nor beyond how many still await it
 * (`not_awaiting_fulfillment` both).
 */
import type { FieldProblem, FulfillmentItem, ReturnItem } from './requests.js';

/** One line of a stored purchase. */
export interface BoughtLine {
  sku: string;
  quantity: number;
  awaitingFulfillment: boolean;
}

/** Quantities per sku. */
export type SkuQuantities = ReadonlyMap<string, number>;

function unknownSku(line: number, sku: string, receiptId: string): FieldProblem {
  return { field: `data.items[${line}].sku`, code: 'unknown_sku', message: `${sku} was not bought in receipt ${receiptId}`, value: sku };
}

function sumBySku(lines: readonly BoughtLine[], only: (line: BoughtLine) => boolean = () => true): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of lines) if (only(line)) sums.set(line.sku, (sums.get(line.sku) ?? 0) + line.quantity);
  return sums;
}

/** Problems of a return's items, given the purchase's lines and what was returned before. */
export function returnProblems(receiptId: string, items: readonly ReturnItem[], bought: readonly BoughtLine[], returned: SkuQuantities): FieldProblem[] {
  const boughtBySku = sumBySku(bought);
  const taken = new Map(returned);
  const problems: FieldProblem[] = [];
  items.forEach((item, line) => {
    const field = `data.items[${line}]`;
    const quantity = boughtBySku.get(item.sku);
    if (quantity === undefined) {
      problems.push(unknownSku(line, item.sku, receiptId));
      return;
    }
    const before = taken.get(item.sku) ?? 0;
    if (before + item.quantity > quantity) {
      problems.push({
        field: `${field}.quantity`,
        code: 'over_return',
        message: `returns ${item.quantity} of ${item.sku}, but receipt ${receiptId} bought ${quantity} and ${before} ${before === 1 ? 'was' : 'were'} returned before`,
        value: item.quantity,
      });
      return;
    }
    taken.set(item.sku, before + item.quantity);
  });
  return problems;
}

/** Problems of a fulfillment's items, given the purchase's lines and what was fulfilled before. */
export function fulfillmentProblems(receiptId: string, items: readonly FulfillmentItem[], bought: readonly BoughtLine[], fulfilled: SkuQuantities): FieldProblem[] {
  const boughtBySku = sumBySku(bought);
  const awaiting = sumBySku(bought, (line) => line.awaitingFulfillment);
  const done = new Map(fulfilled);
  const problems: FieldProblem[] = [];
  items.forEach((item, line) => {
    const field = `data.items[${line}]`;
    const open = awaiting.get(item.sku);
    if (!boughtBySku.has(item.sku)) {
      problems.push(unknownSku(line, item.sku, receiptId));
    } else if (open === undefined) {
      problems.push({
        field: `${field}.sku`,
        code: 'not_awaiting_fulfillment',
        message: `${item.sku} of receipt ${receiptId} was not bought with is_awaiting_fulfillment, so it cannot be fulfilled`,
        value: item.sku,
      });
    } else {
      const before = done.get(item.sku) ?? 0;
      if (before + item.quantity > open) {
        // The specification has one code for "not awaiting": beyond what awaits is the same refusal.
        const left = open - before;
        problems.push({
          field: `${field}.quantity`,
          code: 'not_awaiting_fulfillment',
          message: `fulfills ${item.quantity} of ${item.sku}, but receipt ${receiptId} has ${left} awaiting fulfillment (${open} bought awaiting it, ${before} fulfilled before)`,
          value: item.quantity,
        });
      } else done.set(item.sku, before + item.quantity);
    }
  });
  return problems;
}
