import path from 'node:path';
import type { Writable } from 'node:stream';
import { NotFound, OperatorError, UsageError } from '../../core/errors.js';
import { Answers } from '../../intake/answers.js';
import { dryRunRecord } from '../../intake/dry-run.js';
import { digestFile } from '../../intake/file-identity.js';
import { createLog } from '../../log.js';
import { Outbox } from '../../outbox/outbox.js';
import { outboxStem } from '../../outbox/receipt.js';
import { nodeIdentity } from '../../pipeline/claim-keeper.js';
import { Pipeline } from '../../pipeline/pipeline.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printFields, printJson } from '../output.js';
import { reasonJson } from './files.js';

export const checkCommand: Command = {
  name: 'check',
  args: 1,
  summary: 'validate a local file as a partner would send it, storing nothing (like /validate)',
  usage: '<local file> --partner P [--json]',
  details: [
    '  Runs the whole classification and validation of the file\'s format and writes the same',
    '  receipt and error log to the partner\'s outbox under <name>.dry-run.*. No name or counter is',
    '  used up. Exit status 0 when the file would be processed, 1 when it would be rejected.',
  ].join('\n'),
  options: { partner: { type: 'string', short: 'p' }, json: { type: 'boolean' } },
  async run(input) {
    const [local] = input.positionals;
    if (!local) throw new UsageError('check needs a local file');
    const partnerId = input.values.partner as string | undefined;
    if (!partnerId) throw new UsageError('check needs --partner: the file is checked as that partner sends it');
    const result = await withContext(input, async ({ config, layout, store }) => {
      const partner = await store.partners.get(partnerId);
      if (!partner) throw new NotFound(`no partner ${partnerId}`);
      const digest = await digestFile(local);
      if (!digest) throw new OperatorError('not_a_file', `${local} is not a regular file`);
      const now = () => new Date();
      const log = createLog({ level: 'error', stream: input.stderr as Writable });
      const answers = new Answers(layout, new Outbox(layout), log, now);
      const pipeline = new Pipeline({ layout, config, store, node: nodeIdentity(config.store), answers, log, now });
      const name = path.basename(local);
      const record = dryRunRecord(partner, name, digest, now());
      const checked = record.state === 'queued' ? await pipeline.check(record, partner, local) : record;
      if (checked === record) await answers.stateChanged(record, partner, { dryRun: true });
      await log.close();
      return { checked, outbox: layout.areaDir(partner.id, 'outbox'), stem: outboxStem(name, true) };
    });
    const { checked } = result;
    const summary = {
      name: checked.name,
      partner: checked.partner,
      format: checked.format,
      state: checked.state,
      name_fields: checked.fields,
      counts: checked.counts,
      reason: reasonJson(checked),
      receipt: path.join(result.outbox, `${result.stem}.receipt.json`),
    };
    if (input.values.json) printJson(input.stdout, summary);
    else printFields(input.stdout, Object.entries(summary));
    return checked.state === 'processed' ? 0 : 1;
  },
};
