/**
 * PBJ offline sales: a name is accepted once per partner (a refused file does not use it up), one
 * bad line refuses the whole file, ORDER_ID is unique per channel across files, and the answer is
 * PBJ's own API body in `<name>.result.json`.
 */
import type { LineProblem } from '../../core/line-problem.js';
import type { ProcessContext } from '../../pipeline/processor.js';
import type { DelimitedFormat, FormatSession, Refusal } from '../delimited/processor.js';
import { pbjDeclaration } from './declaration.js';
import { ALREADY_UPLOADED, pbjRefusal, pbjResult, resultJson } from './result.js';
import { PbjStore } from './store.js';

const RESULT = '.result.json';

function alreadyUploaded(): Refusal {
  return {
    refusal: { code: 'name_used', message: ALREADY_UPLOADED },
    answer: (ctx) => ctx.outputs.put(RESULT, resultJson(pbjRefusal(ALREADY_UPLOADED))),
  };
}

function duplicateOrder(orderId: unknown, channel: string): LineProblem {
  return {
    column: 'ORDER_ID',
    value: String(orderId),
    code: 'duplicate_order_id',
    message: `ORDER_ID ${String(orderId)} has already been used on channel ${channel}`,
    expected: 'an ORDER_ID not used before on this channel',
    duplicate: true,
  };
}

function open(ctx: ProcessContext): FormatSession | Refusal {
  const store = new PbjStore(ctx.db);
  const { file, partner } = ctx;
  if (!store.claimName(partner.id, file.name, file.id)) return alreadyUploaded();
  const target = { id: file.id, partner: partner.id, channel: file.fields?.channel ?? '' };
  return {
    accept(values, at) {
      return store.addSale(target, at.line, values) ? undefined : duplicateOrder(values[0], target.channel);
    },
    answer: (summary, context) => context.outputs.put(RESULT, resultJson(pbjResult(summary))),
  };
}

export const pbjFormat: DelimitedFormat = {
  declaration: pbjDeclaration,
  dialectOutputs: [RESULT],
  keepLines: 100,
  open,
  answerRefusal: (message, ctx) => ctx.outputs.put(RESULT, resultJson(pbjRefusal(message))),
};
