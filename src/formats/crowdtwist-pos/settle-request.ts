/**
 * The checks against what is stored, and the storing itself: a request that passes everything is
 * stored, any other one comes back with every problem found. An invalid request is still looked
 * up by its ids, so that a partner learns at once that it was a duplicate too.
 */
import type { PosStore, StoredPurchase } from './pos-store.js';
import { fulfillmentProblems, returnProblems } from './relations.js';
import type { CheckedRequest, FieldProblem } from './requests.js';

/**
 * What became of a request: stored now; stored by this file's earlier run (a reprocess: it counts
 * as accepted again, as the first time); or refused with its problems.
 */
export type Settled = { outcome: 'stored' } | { outcome: 'stored-before' } | { outcome: 'refused'; problems: FieldProblem[] };

const STORED: Settled = { outcome: 'stored' };
const STORED_BEFORE: Settled = { outcome: 'stored-before' };

/** Codes that mean "already stored": counted as duplicates in the receipt, never as failed. */
export const DUPLICATE_CODES: ReadonlySet<string> = new Set(['duplicate_receipt_id', 'duplicate_return_id', 'duplicate_fulfillment_id']);

function duplicate(kind: 'receipt' | 'return' | 'fulfillment', id: string): FieldProblem {
  const key = `${kind}_id`;
  return {
    field: `data.${key}`,
    code: `duplicate_${key}`,
    message: `${key} ${JSON.stringify(id)} is already stored (from an earlier request or file); each ${kind} is accepted once`,
    value: id,
  };
}

function unknownReceipt(id: string): FieldProblem {
  return {
    field: 'data.receipt_id',
    code: 'unknown_receipt_id',
    message: `receipt_id ${JSON.stringify(id)} names no stored purchase; send the purchase first, earlier in this file or in an earlier file`,
    value: id,
  };
}

/** Checks `checked` against the store and stores it when nothing is wrong. */
export function settleRequest(checked: CheckedRequest, store: PosStore, position: number): Settled {
  const { request, problems } = checked;
  if (!request) return refused([...problems, ...idProblems(checked, store)]);
  if (request.kind === 'purchase') {
    if (store.addPurchase(request, position)) return STORED;
    return taken(store, 'receipt', request.receiptId, position);
  }
  const purchase = store.purchase(request.receiptId);
  if (request.kind === 'return') {
    if (store.hasReturn(request.returnId)) return taken(store, 'return', request.returnId, position);
    const found = againstPurchase(purchase, request.receiptId, (bought) =>
      returnProblems(request.receiptId, request.items, bought.lines, store.returned(bought.id)),
    );
    if (found.length === 0 && purchase) store.addReturn(request, purchase.id, position);
    return refused(found);
  }
  if (store.hasFulfillment(request.fulfillmentId)) return taken(store, 'fulfillment', request.fulfillmentId, position);
  const found = againstPurchase(purchase, request.receiptId, (bought) =>
    fulfillmentProblems(request.receiptId, request.items, bought.lines, store.fulfilled(bought.id)),
  );
  if (found.length === 0 && purchase) store.addFulfillment(request, purchase.id, position);
  return refused(found);
}

function refused(problems: FieldProblem[]): Settled {
  return problems.length === 0 ? STORED : { outcome: 'refused', problems };
}

/** An id already stored: by this very request before (a reprocess), or a duplicate. */
function taken(store: PosStore, kind: 'receipt' | 'return' | 'fulfillment', id: string, position: number): Settled {
  return store.storedHere(kind, id, position) ? STORED_BEFORE : { outcome: 'refused', problems: [duplicate(kind, id)] };
}

function againstPurchase(purchase: StoredPurchase | undefined, receiptId: string, check: (purchase: StoredPurchase) => FieldProblem[]): FieldProblem[] {
  return purchase ? check(purchase) : [unknownReceipt(receiptId)];
}

/** For a request that is invalid anyway: is it also a duplicate, or of an unknown purchase? */
function idProblems(checked: CheckedRequest, store: PosStore): FieldProblem[] {
  const found: FieldProblem[] = [];
  const { type, receiptId, returnId, fulfillmentId } = checked;
  if (type === 'purchase' && receiptId !== undefined && store.hasReceipt(receiptId)) found.push(duplicate('receipt', receiptId));
  if (type === 'return' && returnId !== undefined && store.hasReturn(returnId)) found.push(duplicate('return', returnId));
  if (type === 'fulfillment' && fulfillmentId !== undefined && store.hasFulfillment(fulfillmentId)) found.push(duplicate('fulfillment', fulfillmentId));
  if ((type === 'return' || type === 'fulfillment') && receiptId !== undefined && !store.hasReceipt(receiptId)) found.push(unknownReceipt(receiptId));
  return found;
}
