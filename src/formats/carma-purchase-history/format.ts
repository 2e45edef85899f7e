/**
 * Carma purchase history: every good line is appended (the same data twice is stored twice, as
 * the source says), bad lines are skipped and logged, and `<name>.status.json` follows the file
 * through its states.
 */
import type { ProcessContext, StateOutput } from '../../pipeline/processor.js';
import type { FileRecord } from '../../store/files.js';
import type { DelimitedFormat, FormatSession } from '../delimited/processor.js';
import { carmaDeclaration } from './declaration.js';
import { carmaCustomerId, carmaStatus } from './status.js';
import type { Partner } from '../../store/partners.js';
import { openCarmaStore } from './store.js';

export const STATUS_SUFFIX = '.status.json';

function open(ctx: ProcessContext): FormatSession {
  const purchases = openCarmaStore(ctx.store.handle, { fileId: ctx.file.id, partner: ctx.partner.id, listId: ctx.file.fields?.list_id ?? '' });
  return {
    accept(values, at) {
      purchases.add(at.line, values);
      return undefined;
    },
    flush: (final) => purchases.flush(final),
    async answer() {},
  };
}

/** The status document is rewritten at every state change, not only at the end. */
function onStateChange(file: FileRecord, partner: Partner): StateOutput[] {
  return [{ suffix: STATUS_SUFFIX, content: `${JSON.stringify(carmaStatus(file, carmaCustomerId(partner)), null, 2)}\n` }];
}

export const carmaFormat: DelimitedFormat = {
  declaration: carmaDeclaration,
  dialectOutputs: [],
  open,
  onStateChange,
};
