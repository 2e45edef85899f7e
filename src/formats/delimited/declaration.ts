/**
 * A delimited format declared as data: what the machinery in this folder needs to read, check and
 * convert its lines. A new delimited format is a new declaration plus its store and dialect, not
 * new machinery.
 */
import type { NameFields } from '../../core/naming.js';
import type { ErrorPolicy } from '../types.js';

/** How a cell's text becomes a value; see `column-kinds.ts`. */
export type ColumnKind =
  | 'string'
  | 'integer'
  | 'positive-integer'
  | 'decimal'
  | 'date'
  | 'sale-date'
  | 'carma-time'
  | 'flag'
  | 'toolbox-amount';

export interface ColumnSpec {
  /** As the source names it (`ORDER_ID`, `campaign_id`, `item_price`). */
  readonly name: string;
  readonly kind: ColumnKind;
  /** An empty cell is a line error `<name> is required`. */
  readonly required: boolean;
}

export type Layout =
  /** The first line names the columns, in any order. */
  | {
      readonly kind: 'header';
      readonly columns: readonly ColumnSpec[];
      /** Names that may stand in the header beside the declared ones, ignored. */
      readonly extraNames?: RegExp;
      /**
       * A header cell naming no column: `refuse` (a header problem, every line unread) or
       * `ignore` (a warning in the receipt; PBJ's API ignores what it does not use).
       */
      readonly unknownColumns?: 'refuse' | 'ignore';
      /**
       * A first line that names no column is data, read in the order the format's session gives
       * (Client Toolbox: the guide sends the column names beside the data, not as a line of it).
       */
      readonly headerless?: boolean;
    }
  /** No header; column i is `columns[i]`. */
  | { readonly kind: 'positional'; readonly columns: readonly ColumnSpec[] };

/**
 * What a format stores once, as data; the machinery applies it (names in `processor.ts`, records
 * in `run.ts` through `dedupe.ts`), and `FormatSpec.dedupe` is derived from it.
 */
export interface DedupePolicy {
  /**
   * `once`: a name is accepted once per partner (PBJ: "You will not be able to upload a file with
   * the same name twice"); a later file of that name, whatever its bytes, is refused whole. A file
   * refused does not use its name up. `reusable`: a name says nothing about what was stored.
   */
  readonly names: 'once' | 'reusable';
  readonly records: RecordDedupe;
}

/** What makes a record a duplicate: nothing (append), the file's own earlier lines (per-file), or those and a key stored before (unique-key). */
export type RecordDedupe =
  /** Stored again each time it is read, as the source says (Carma: "the data is append only"). */
  | { readonly kind: 'append' }
  /**
   * A file's lines are stored once: processed again (`posdrop reprocess`), the lines it stored
   * before count as duplicates and are not read again; the others are (Client Toolbox: a batch
   * posts each entry once). The format's session lists the lines the file has stored.
   */
  | { readonly kind: 'per-file' }
  /**
   * As `per-file`, and `column` is unique within `scope` (a field of the file's name) across
   * files: a line whose key another line already stored is a line error `code` (PBJ: ORDER_ID per
   * channel). The format's store enforces the key and answers who holds it, so the file's own
   * earlier lines are found through their key.
   */
  | { readonly kind: 'unique-key'; readonly column: string; readonly scope?: keyof NameFields; readonly code: string };

/**
 * Whether a `"` means anything. `rfc4180`: a cell may be wholly in double quotes, inner quotes
 * doubled, within its line (PBJ, a header-and-comma CSV). `none`: a quote is a character like any
 * other (Carma and Client Toolbox, whose guides never mention quoting: `5" screen` is data).
 * Either way a line ends at its line break: a quoted cell never spans lines.
 */
export type Quoting = 'rfc4180' | 'none';

export interface DelimitedDeclaration {
  /** `;`, or chosen by the name (Client Toolbox: the extension). */
  readonly delimiter: string | ((fields: NameFields) => string);
  readonly quoting: Quoting;
  readonly layout: Layout;
  /**
   * A line may stop after its last required column (the rest read as empty). Otherwise a line
   * with fewer cells than the header is ragged.
   */
  readonly shortLines: boolean;
  readonly errorPolicy: ErrorPolicy;
  readonly dedupe: DedupePolicy;
  /** A longer line is a line error (and never held whole in memory). */
  readonly maxLineChars: number;
}

export function delimiterFor(declaration: DelimitedDeclaration, fields: NameFields | null): string {
  const { delimiter } = declaration;
  return typeof delimiter === 'string' ? delimiter : delimiter(fields ?? {});
}

/** A human name for a delimiter, for messages. */
export function delimiterName(delimiter: string): string {
  if (delimiter === '\t') return 'tab';
  if (delimiter === '|') return 'pipe (|)';
  if (delimiter === ',') return 'comma (,)';
  if (delimiter === ';') return 'semicolon (;)';
  return JSON.stringify(delimiter);
}
