/**
 * The checks against what is stored, and the storing itself: a request that passes everything is
 * stored, any other one comes back with every problem found. An invalid request is still looked
 * up by its ids, so that a partner learns at once that it was a duplicate too.
 */
import type { PosStore, StoredPurchase } from './pos-store.js';
import { fulfillmentProblems, returnProblems } from './relations.js';
import type { CheckedRequest, FieldProblem } from './requests.js';

/** Codes that mean "already stored": counted as duplicates in the receipt. */
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

/** Checks `checked` against the store and stores it when nothing is wrong; returns all problems. */
export function settleRequest(checked: CheckedRequest, store: PosStore, position: number): FieldProblem[] {
  const { request, problems } = checked;
  if (!request) return [...problems, ...idProblems(checked, store)];
  if (request.kind === 'purchase') {
    return store.addPurchase(request, position) ? [] : [duplicate('receipt', request.receiptId)];
  }
  const purchase = store.purchase(request.receiptId);
  if (request.kind === 'return') {
    if (store.hasReturn(request.returnId)) return [duplicate('return', request.returnId)];
    const found = againstPurchase(purchase, request.receiptId, (bought) =>
      returnProblems(request.receiptId, request.items, bought.lines, store.returned(bought.id)),
    );
    if (found.length === 0 && purchase) store.addReturn(request, purchase.id, position);
    return found;
  }
  if (store.hasFulfillment(request.fulfillmentId)) return [duplicate('fulfillment', request.fulfillmentId)];
  const found = againstPurchase(purchase, request.receiptId, (bought) =>
    fulfillmentProblems(request.receiptId, request.items, bought.lines, store.fulfilled(bought.id)),
  );
  if (found.length === 0 && purchase) store.addFulfillment(request, purchase.id, position);
  return found;
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
