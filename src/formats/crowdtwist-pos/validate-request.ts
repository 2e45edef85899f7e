/**
 * The checks a request needs nothing but itself for (DESIGN.md, crowdtwist-pos): its type, its
 * fields and their types. Unknown fields never fail a request; they are kept as written. Totals
 * are not cross-checked: the specification's own examples do not add up.
 */
import { describeValue, FieldReader, isObject, type JsonObject } from './field-checks.js';
import type { CheckedRequest, Fulfillment, FulfillmentItem, Purchase, PurchaseItem, Return, ReturnItem, Tender } from './requests.js';

const REQUEST_KEYS = new Set(['type', 'data']);
const PURCHASE_KEYS = new Set([
  'receipt_id', 'order_id', 'user_id', 'total', 'subtotal', 'date_purchased', 'channel_id', 'currency',
  'custom_data', 'items', 'tenders', 'coupons',
]);
const ITEM_KEYS = new Set(['sku', 'price', 'quantity', 'transaction_id', 'custom_data', 'is_awaiting_fulfillment']);
const TENDER_KEYS = new Set(['type', 'amount']);
const RETURN_KEYS = new Set(['receipt_id', 'return_id', 'date_returned', 'items']);
const RETURN_ITEM_KEYS = new Set(['sku', 'quantity', 'price']);
const FULFILLMENT_KEYS = new Set(['receipt_id', 'fulfillment_id', 'date_fulfilled', 'items']);
const FULFILLMENT_ITEM_KEYS = new Set(['sku', 'quantity']);
const TYPES = ['purchase', 'return', 'fulfillment'];
const CURRENCY = /^[A-Z]{3}$/;

/** Checks one element of `pos_data`, parsed (`value`) and as written (`text`). */
export function validateRequest(value: unknown, text: string = JSON.stringify(value) ?? ''): CheckedRequest {
  const fields = new FieldReader(text);
  if (!isObject(value)) {
    fields.add('', 'invalid_type', `each element of pos_data must be an object with type and data, not ${describeValue(value)}`, value);
    return { type: null, problems: fields.problems, unknownFields: [] };
  }
  const type = fields.text(value, 'type', '');
  const data = fields.object(value, 'data', '');
  const checked: CheckedRequest = { type: typeof value.type === 'string' ? value.type : null, problems: fields.problems, unknownFields: fields.unknownFields };
  if (type !== undefined && !TYPES.includes(type)) {
    fields.add('type', 'unknown_type', `type must be one of ${TYPES.join(', ')}; found ${JSON.stringify(type)}`, type);
  }
  if (!data) return checked;
  const ids = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  checked.receiptId = ids('receipt_id');
  checked.returnId = type === 'return' ? ids('return_id') : undefined;
  checked.fulfillmentId = type === 'fulfillment' ? ids('fulfillment_id') : undefined;
  const requestExtra = fields.extra(value, REQUEST_KEYS, '');
  const request =
    type === 'purchase' ? purchase(data, fields, requestExtra)
    : type === 'return' ? returnRequest(data, fields, requestExtra)
    : type === 'fulfillment' ? fulfillment(data, fields, requestExtra)
    : undefined;
  if (request && fields.problems.length === 0) checked.request = request;
  return checked;
}

function purchase(data: JsonObject, fields: FieldReader, requestExtra: string | null): Purchase {
  const at = 'data';
  const customData = fields.object(data, 'custom_data', at, { optional: true });
  const items = fields.list(data, 'items', at, { min: 1 }) ?? [];
  const tenders = fields.list(data, 'tenders', at, { optional: true }) ?? [];
  const coupons = fields.list(data, 'coupons', at, { optional: true }) ?? [];
  return {
    kind: 'purchase',
    receiptId: fields.text(data, 'receipt_id', at) as string,
    orderId: fields.text(data, 'order_id', at) as string,
    userId: fields.integer(data, 'user_id', at) as number,
    total: fields.number(data, 'total', at, { min: 0 }) as number,
    subtotal: fields.number(data, 'subtotal', at, { min: 0 }) as number,
    datePurchased: fields.timestamp(data, 'date_purchased', at) as string,
    channelId: fields.integer(data, 'channel_id', at) as number,
    currency: currency(data, fields) as string,
    customData: customData ? JSON.stringify(customData) : null,
    items: elements(items, `${at}.items`, fields, purchaseItem),
    tenders: elements(tenders, `${at}.tenders`, fields, tender),
    coupons: coupons.filter((code, line): code is string => {
      if (typeof code !== 'string') return fields.wrongType(`${at}.coupons[${line}]`, 'a string', code) ?? false;
      if (code.includes('\0')) return fields.nul(`${at}.coupons[${line}]`, code) ?? false;
      return true;
    }),
    extra: fields.extra(data, PURCHASE_KEYS, at),
    requestExtra,
  };
}

function currency(data: JsonObject, fields: FieldReader): string | undefined {
  const code = fields.text(data, 'currency', 'data');
  if (code === undefined || CURRENCY.test(code)) return code;
  return fields.invalid('data.currency', 'must be an ISO-4217 code of three capital letters, like USD', code);
}

/** Checks each element of a list with `check`, which sees an object (others are a type problem). */
function elements<T>(list: unknown[], path: string, fields: FieldReader, check: (item: JsonObject, at: string, fields: FieldReader) => T): T[] {
  const checked: T[] = [];
  list.forEach((item, line) => {
    const at = `${path}[${line}]`;
    if (isObject(item)) checked.push(check(item, at, fields));
    else fields.wrongType(at, 'an object', item);
  });
  return checked;
}

function purchaseItem(item: JsonObject, at: string, fields: FieldReader): PurchaseItem {
  const transactionId = item.transaction_id;
  const customData = fields.object(item, 'custom_data', at, { optional: true });
  if (transactionId !== undefined && transactionId !== null && typeof transactionId !== 'string' && !Number.isSafeInteger(transactionId)) {
    fields.wrongType(`${at}.transaction_id`, 'a string or a whole number', transactionId);
  } else if (typeof transactionId === 'string' && transactionId.includes('\0')) {
    fields.nul(`${at}.transaction_id`, transactionId);
  }
  return {
    sku: fields.text(item, 'sku', at) as string,
    price: fields.number(item, 'price', at, { min: 0 }) as number,
    quantity: fields.integer(item, 'quantity', at, { min: 1 }) as number,
    transactionId: (transactionId ?? null) as string | number | null,
    customData: customData ? JSON.stringify(customData) : null,
    awaitingFulfillment: fields.boolean(item, 'is_awaiting_fulfillment', at),
    extra: fields.extra(item, ITEM_KEYS, at),
  };
}

function tender(item: JsonObject, at: string, fields: FieldReader): Tender {
  return {
    type: fields.integer(item, 'type', at) as number,
    amount: fields.number(item, 'amount', at) as number,
    extra: fields.extra(item, TENDER_KEYS, at),
  };
}

/** What a return and a fulfillment share: the purchase they refer to, their own id, a date, items. */
interface ReferenceShape {
  idKey: string;
  dateKey: string;
  keys: ReadonlySet<string>;
}

function reference<T>(data: JsonObject, fields: FieldReader, shape: ReferenceShape, item: (item: JsonObject, at: string, fields: FieldReader) => T) {
  const at = 'data';
  return {
    receiptId: fields.text(data, 'receipt_id', at) as string,
    id: fields.text(data, shape.idKey, at) as string,
    date: fields.timestamp(data, shape.dateKey, at) as string,
    items: elements(fields.list(data, 'items', at, { min: 1 }) ?? [], `${at}.items`, fields, item),
    extra: fields.extra(data, shape.keys, at),
  };
}

function returnRequest(data: JsonObject, fields: FieldReader, requestExtra: string | null): Return {
  const { id, date, ...rest } = reference(data, fields, { idKey: 'return_id', dateKey: 'date_returned', keys: RETURN_KEYS }, returnItem);
  return { kind: 'return', ...rest, returnId: id, dateReturned: date, requestExtra };
}

function fulfillment(data: JsonObject, fields: FieldReader, requestExtra: string | null): Fulfillment {
  const shape = { idKey: 'fulfillment_id', dateKey: 'date_fulfilled', keys: FULFILLMENT_KEYS };
  const { id, date, ...rest } = reference(data, fields, shape, fulfillmentItem);
  return { kind: 'fulfillment', ...rest, fulfillmentId: id, dateFulfilled: date, requestExtra };
}

function skuAndQuantity(item: JsonObject, at: string, fields: FieldReader): { sku: string; quantity: number } {
  return { sku: fields.text(item, 'sku', at) as string, quantity: fields.integer(item, 'quantity', at, { min: 1 }) as number };
}

function fulfillmentItem(item: JsonObject, at: string, fields: FieldReader): FulfillmentItem {
  return { ...skuAndQuantity(item, at, fields), extra: fields.extra(item, FULFILLMENT_ITEM_KEYS, at) };
}

function returnItem(item: JsonObject, at: string, fields: FieldReader): ReturnItem {
  const bought = skuAndQuantity(item, at, fields);
  const price = fields.number(item, 'price', at, { optional: true, min: 0 }) ?? null;
  return { ...bought, price, extra: fields.extra(item, RETURN_ITEM_KEYS, at) };
}
