/**
 * The built-in formats, in the order names are tried: PBJ takes any `.csv`, so it comes after the
 * formats whose stricter rules may also end in `.csv`.
 */
import { carmaPurchaseHistory } from './carma-purchase-history/spec.js';
import { clienttoolboxTransactions } from './clienttoolbox-transactions/spec.js';
import { crowdtwistPos } from './crowdtwist-pos/spec.js';
import { pbjOfflineSales } from './pbj-offline-sales/spec.js';
import type { FormatId, FormatSpec } from './types.js';

export const BUILT_IN_FORMATS: readonly FormatSpec[] = [
  crowdtwistPos,
  clienttoolboxTransactions,
  carmaPurchaseHistory,
  pbjOfflineSales,
];

const BY_ID = new Map(BUILT_IN_FORMATS.map((format) => [format.id, format]));

export function formatById(id: FormatId): FormatSpec {
  const format = BY_ID.get(id);
  if (!format) throw new Error(`unknown format ${id}`);
  return format;
}

/** The partner's formats in registry order (the order names are tried in). */
export function formatsFor(ids: readonly string[]): FormatSpec[] {
  return BUILT_IN_FORMATS.filter((format) => ids.includes(format.id));
}

/** Finds a format by id; the daemon uses the built-ins, tests may substitute their own. */
export type FormatLookup = (id: string) => FormatSpec | undefined;

export const builtInFormat: FormatLookup = (id) => BY_ID.get(id as FormatId);
