/**
 * The operator actions in the console: each is a confirmation page (GET) and its form (POST,
 * admin only, CSRF-checked, a reason required). The work is done by `ConsoleActions`, the code
 * the CLI commands run; every attempt is recorded with who, when, why and what came of it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OperatorError, errorMessage } from '../../core/errors.js';
import type { Actor } from './console-deps.js';
import type { ConsoleServer } from './console-server.js';

type Body = Record<string, string | undefined>;

/** What a confirmation page shows and posts. */
interface Confirmation {
  title: string;
  question: string;
  action: string;
  /** Hidden fields the form posts back. */
  fields: Record<string, string>;
  /** Where to go back to, and after success. */
  back: string;
  force?: boolean;
}

const admin = { config: { admin: true } };

export function registerActions(app: FastifyInstance, console: ConsoleServer): void {
  const { read, actions, accounts, log } = console.parts;

  const confirm = (req: FastifyRequest, reply: FastifyReply, what: Confirmation, error?: string, status = 200) =>
    console.page(req, reply, 'confirm', '', { ...what, error, reason: (req.body as Body | undefined)?.reason ?? '' }, status);

  /** Runs an action, records it, and answers with the next page. */
  const act = async (req: FastifyRequest, reply: FastifyReply, what: Confirmation, name: string, target: string, run: (actor: Actor) => Promise<string>) => {
    const session = req.session as NonNullable<FastifyRequest['session']>;
    const operator = session.operator?.name as string;
    const reason = ((req.body as Body).reason ?? '').trim().slice(0, 500);
    if (!reason) return confirm(req, reply, what, 'Say why: the reason is recorded with the action.', 400);
    try {
      const outcome = await run({ operator, reason });
      await accounts.recordAction({ operator, action: name, target, reason, outcome });
      log.info('console.action', { operator, action: name, target, reason, outcome });
      session.flash = outcome;
      return reply.redirect(what.back, 303);
    } catch (err) {
      if (!(err instanceof OperatorError)) throw err;
      await accounts.recordAction({ operator, action: name, target, reason, outcome: `refused: ${err.message}` });
      log.warn('console.action_refused', { operator, action: name, target, reason, error: errorMessage(err) });
      return confirm(req, reply, what, err.message, 409);
    }
  };

  const fileOf = async (req: FastifyRequest) => {
    const { id } = req.params as { id: string };
    return /^\d{1,15}$/.test(id) ? read.file(Number(id)) : undefined;
  };

  for (const kind of ['reprocess', 'undo'] as const) {
    const confirmation = (file: { id: number; name: string; partner: string }): Confirmation => ({
      title: kind === 'reprocess' ? 'Process again' : 'Undo a batch',
      question:
        kind === 'reprocess'
          ? `Process ${file.name} (${file.partner}, id ${file.id}) again from its archived original? Records already stored count as duplicates.`
          : `Reverse every ledger entry of ${file.name} (${file.partner}, id ${file.id})?`,
      action: `/console/files/${file.id}/${kind}`,
      fields: {},
      back: `/console/files/${file.id}`,
      force: kind === 'reprocess',
    });
    app.get(`/console/files/:id/${kind}`, admin, async (req, reply) => {
      const file = await fileOf(req);
      if (!file) return console.problem(req, reply, 404, 'Not found', 'No file with this id.');
      return confirm(req, reply, confirmation(file));
    });
    app.post(`/console/files/:id/${kind}`, admin, async (req, reply) => {
      const file = await fileOf(req);
      if (!file) return console.problem(req, reply, 404, 'Not found', 'No file with this id.');
      const force = (req.body as Body).force === 'yes';
      return act(req, reply, confirmation(file), kind, `file ${file.id}`, (actor) =>
        kind === 'reprocess' ? actions.reprocess(actor, file.id, force) : actions.undo(actor, file.id),
      );
    });
  }

  const releaseOf = (source: Body) => {
    const partner = source.partner ?? '';
    const format = source.format ?? '';
    const day = source.day ?? '';
    const through = /^\d{1,4}$/.test(source.through ?? '') ? Number(source.through) : undefined;
    if (!partner || !format || !/^\d{4}-\d{2}-\d{2}$/.test(day) || through === undefined) return undefined;
    const counter = String(through).padStart(4, '0');
    const confirmation: Confirmation = {
      title: 'Release a gap',
      question: `Skip the missing files of ${partner} ${day} through counter ${counter} for good? The held file after them is processed next.`,
      action: '/console/holds/release',
      fields: { partner, format, day, through: counter },
      back: '/console/holds',
    };
    return { request: { partner, format, day, through }, confirmation };
  };
  app.get('/console/holds/release', admin, async (req, reply) => {
    const release = releaseOf(req.query as Body);
    if (!release) return console.problem(req, reply, 400, 'Bad request', 'A release needs partner, format, day (YYYY-MM-DD) and through (a counter).');
    return confirm(req, reply, release.confirmation);
  });
  app.post('/console/holds/release', admin, async (req, reply) => {
    const release = releaseOf(req.body as Body);
    if (!release) return console.problem(req, reply, 400, 'Bad request', 'A release needs partner, format, day (YYYY-MM-DD) and through (a counter).');
    const { request } = release;
    return act(req, reply, release.confirmation, 'release', `${request.partner} ${request.format} ${request.day} through ${request.through}`, (actor) =>
      actions.release(actor, request),
    );
  });

  for (const enabled of [false, true]) {
    const verb = enabled ? 'enable' : 'disable';
    const confirmation = (partner: string): Confirmation => ({
      title: enabled ? 'Enable a partner' : 'Disable a partner',
      question: enabled ? `Let ${partner} log in again?` : `Stop ${partner} from logging in? Its files and their answers stay.`,
      action: `/console/partners/${encodeURIComponent(partner)}/${verb}`,
      fields: {},
      back: '/console/partners',
    });
    const partnerOf = async (req: FastifyRequest) => read.partner((req.params as { id: string }).id);
    app.get(`/console/partners/:id/${verb}`, admin, async (req, reply) => {
      const partner = await partnerOf(req);
      if (!partner) return console.problem(req, reply, 404, 'Not found', 'No such partner.');
      return confirm(req, reply, confirmation(partner.id));
    });
    app.post(`/console/partners/:id/${verb}`, admin, async (req, reply) => {
      const partner = await partnerOf(req);
      if (!partner) return console.problem(req, reply, 404, 'Not found', 'No such partner.');
      return act(req, reply, confirmation(partner.id), `partner.${verb}`, partner.id, (actor) => actions.setPartnerEnabled(actor, partner.id, enabled));
    });
  }
}
