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
import { openPbjSales } from './store.js';

export const RESULT = '.result.json';

async function open(ctx: ProcessContext): Promise<FormatSession> {
  const { file, partner } = ctx;
  const sales = await openPbjSales(ctx.store.handle, { id: file.id, partner: partner.id, channel: file.fields?.channel ?? '' });
  const session: FormatSession = {
    accept: (values, at) => sales.add(at.line, values),
    flush: (final) => sales.flush(final),
    answer: (summary, context) => context.outputs.put(RESULT, resultJson(pbjResult(summary))),
  };
  if (sales.prepare) session.prepare = sales.prepare.bind(sales);
  return session;
}

export const pbjFormat: DelimitedFormat = {
  declaration: pbjDeclaration,
  dialectOutputs: [RESULT],
  keepLines: 100,
  open,
  answerRefusal: (message, ctx, prefix) => ctx.outputs.put(`${prefix}${RESULT}`, resultJson(pbjRefusal(message))),
};
