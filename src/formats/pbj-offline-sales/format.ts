/**
 * PBJ offline sales: its store and answer. The declaration's policies do the rest: a name is
 * accepted once per partner (a refused file does not use it up), one bad line refuses the whole
 * file, ORDER_ID is unique per channel across files. The answer is PBJ's own API body in
 * `<name>.result.json`.
 */
import type { ProcessContext } from '../../pipeline/processor.js';
import type { DelimitedFormat, FormatSession } from '../delimited/processor.js';
import { pbjDeclaration } from './declaration.js';
import { pbjRefusal, pbjResult, resultJson } from './result.js';
import { PbjStore } from './store.js';
import { sqliteOnly } from '../sqlite-only.js';

export const RESULT = '.result.json';

function open(ctx: ProcessContext): FormatSession {
  const store = new PbjStore(sqliteOnly(ctx.store.handle, 'a PBJ sales file'));
  const { file, partner } = ctx;
  const target = { id: file.id, partner: partner.id, channel: file.fields?.channel ?? '' };
  return {
    accept(values, at) {
      return store.addSale(target, at.line, values) ? undefined : store.holderOf(target, values[0] as number);
    },
    answer: (summary, context) => context.outputs.put(RESULT, resultJson(pbjResult(summary))),
  };
}

export const pbjFormat: DelimitedFormat = {
  declaration: pbjDeclaration,
  dialectOutputs: [RESULT],
  keepLines: 100,
  open,
  answerRefusal: (message, ctx, prefix) => ctx.outputs.put(`${prefix}${RESULT}`, resultJson(pbjRefusal(message))),
};
