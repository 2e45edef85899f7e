/** `posdrop notifications list|retry`: the webhook outbox, and dead-lettered deliveries sent again. */
import { UsageError } from '../../core/errors.js';
import type { Delivery, DeliveryState } from '../../store/notifications.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable } from '../output.js';

const STATES: readonly DeliveryState[] = ['pending', 'delivered', 'dead'];

function deliveryJson(delivery: Delivery) {
  return {
    id: delivery.id,
    delivery_id: delivery.deliveryId,
    subscription: delivery.subscription,
    event: delivery.event,
    partner: delivery.partner,
    file_id: delivery.fileId,
    state: delivery.state,
    attempts: delivery.attempts,
    created_at: delivery.createdAt,
    next_attempt_at: delivery.state === 'pending' ? delivery.nextAttemptAt : null,
    last_error: delivery.lastError,
    finished_at: delivery.finishedAt,
  };
}

const listCommand: Command = {
  name: 'notifications list',
  summary: 'webhook deliveries, newest first: pending, delivered or dead-lettered, with the last error',
  usage: '[--state pending|delivered|dead] [--subscription NAME] [--limit N] [--json]',
  options: { state: { type: 'string' }, subscription: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run(input) {
    const state = input.values.state as string | undefined;
    if (state !== undefined && !STATES.includes(state as DeliveryState)) throw new UsageError(`--state must be one of ${STATES.join(', ')}, not "${state}"`);
    const limit = Number(input.values.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number from 1, not "${String(input.values.limit)}"`);
    const subscription = input.values.subscription as string | undefined;
    const deliveries = await withContext(input, ({ store }) =>
      store.notifications.list({ limit, ...(state ? { state: state as DeliveryState } : {}), ...(subscription ? { subscription } : {}) }),
    );
    if (input.values.json) return printJson(input.stdout, deliveries.map(deliveryJson));
    printTable(
      input.stdout,
      ['ID', 'SUBSCRIPTION', 'EVENT', 'PARTNER', 'STATE', 'ATTEMPTS', 'CREATED', 'LAST ERROR'],
      deliveries.map((delivery) => [
        String(delivery.id),
        delivery.subscription,
        delivery.event,
        delivery.partner ?? '-',
        delivery.state,
        String(delivery.attempts),
        delivery.createdAt.slice(0, 19).replace('T', ' '),
        delivery.lastError ?? '',
      ]),
    );
  },
};

const retryCommand: Command = {
  name: 'notifications retry',
  args: Number.POSITIVE_INFINITY, // delivery ids, as many as given
  summary: 'sends dead-lettered (or pending) deliveries again now, with a fresh retry period',
  usage: '<id>… | --dead',
  options: { dead: { type: 'boolean' } },
  details: 'Each id is the ID column of posdrop notifications list. --dead takes every dead-lettered delivery. A delivered one is not sent again.',
  async run(input) {
    const dead = input.values.dead === true;
    if (dead === input.positionals.length > 0) throw new UsageError('give the ids of the deliveries to send again, or --dead (not both)');
    const ids = input.positionals.map((word) => {
      const id = Number(word);
      if (!Number.isSafeInteger(id) || id < 1) throw new UsageError(`"${word}" is not a delivery id (the ID column of posdrop notifications list)`);
      return id;
    });
    const changed = await withContext(input, ({ store }) => store.transaction(({ notifications }) => notifications.retry(dead ? 'dead' : ids)));
    input.stdout.write(`${changed} ${changed === 1 ? 'delivery' : 'deliveries'} queued to be sent again\n`);
    if (!dead && changed < ids.length) {
      input.stderr.write(`${ids.length - changed} of the ids given are unknown or already delivered\n`);
      return 1;
    }
  },
};

export const notificationCommands: Command[] = [listCommand, retryCommand];
