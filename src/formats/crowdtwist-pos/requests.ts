/** The requests of a CrowdTwist POS batch, once checked: what the tables store. */

/** What is wrong with one field of a request. */
export interface FieldProblem {
  /** Path inside the request: `data.items[0].quantity`. */
  field: string;
  /** Stable: `missing_field`, `invalid_type`, `duplicate_receipt_id`, … */
  code: string;
  message: string;
  value?: unknown;
}

/** Unknown fields of an object, as a JSON object text of their members as written; null when there are none. */
export type Extra = string | null;

/** One element of a purchase's `items`. */
export interface PurchaseItem {
  sku: string;
  price: number;
  quantity: number;
  transactionId: string | number | null;
  customData: string | null;
  awaitingFulfillment: boolean;
  extra: Extra;
}

/** One element of a purchase's `tenders`. */
export interface Tender {
  type: number;
  amount: number;
  extra: Extra;
}

/** A `purchase` request. */
export interface Purchase {
  kind: 'purchase';
  receiptId: string;
  orderId: string;
  userId: number;
  total: number;
  subtotal: number;
  datePurchased: string;
  channelId: number;
  currency: string;
  customData: string | null;
  items: PurchaseItem[];
  tenders: Tender[];
  coupons: string[];
  extra: Extra;
  requestExtra: Extra;
}

/** One element of a return's `items`. */
export interface ReturnItem {
  sku: string;
  quantity: number;
  price: number | null;
  extra: Extra;
}

/** A `return` request: items back from a stored purchase. */
export interface Return {
  kind: 'return';
  receiptId: string;
  returnId: string;
  dateReturned: string;
  items: ReturnItem[];
  extra: Extra;
  requestExtra: Extra;
}

/** One element of a fulfillment's `items`. */
export interface FulfillmentItem {
  sku: string;
  quantity: number;
  extra: Extra;
}

/** A `fulfillment` request: items of a stored purchase that were awaiting it. */
export interface Fulfillment {
  kind: 'fulfillment';
  receiptId: string;
  fulfillmentId: string;
  dateFulfilled: string;
  items: FulfillmentItem[];
  extra: Extra;
  requestExtra: Extra;
}

/** Any request that passed its own checks. */
export type PosRequest = Purchase | Return | Fulfillment;

/** A request after the checks that need nothing but itself. */
export interface CheckedRequest {
  /** `type` as written, when it is a string. */
  type: string | null;
  /** The ids that could be read, for the checks against stored records and the error log. */
  receiptId?: string | undefined;
  returnId?: string | undefined;
  fulfillmentId?: string | undefined;
  problems: FieldProblem[];
  /** Paths of the fields posdrop does not know: kept as written, so nothing inside them can fail the request. */
  unknownFields: readonly string[];
  /** Set only when there are no problems. */
  request?: PosRequest;
}
