/** Each column kind's converter: text in, value or `Invalid` out (pure; see core/field-types). */
import {
  parseCarmaTime,
  parseDecimal,
  parseFlag,
  parseInteger,
  parseIsoDate,
  parsePositiveInteger,
  parseSaleDate,
  parseToolboxAmount,
  type Invalid,
} from '../../core/field-types.js';
import type { ColumnKind } from './declaration.js';

export type Converter = (text: string) => unknown | Invalid;

export const CONVERTERS: Record<ColumnKind, Converter> = {
  string: (text) => text,
  integer: parseInteger,
  'positive-integer': parsePositiveInteger,
  decimal: parseDecimal,
  date: parseIsoDate,
  'sale-date': parseSaleDate,
  'carma-time': parseCarmaTime,
  flag: parseFlag,
  'toolbox-amount': parseToolboxAmount,
};
