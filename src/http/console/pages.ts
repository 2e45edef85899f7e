/** The console's pages: Today, Files, a File, Holds, Partners. Reads only, through the read model. */
import type { FastifyInstance } from 'fastify';
import { FILE_STATES, isFileState, type FileState } from '../../core/file-state.js';
import { FORMAT_IDS } from '../../formats/types.js';
import type { DayRecords } from '../../read-model/read-model.js';
import type { ConsoleServer } from './console-server.js';
import { fileOutputs, readReceipt } from './downloads.js';

const FILES_PER_PAGE = 50;
const ERRORS_PER_PAGE = 100;
const CHART_DAYS = 14;

type Query = Record<string, string | undefined>;

/** The last `days` days, oldest first, as `YYYY-MM-DD` (UTC). */
function lastDays(now: Date, days: number): string[] {
  return Array.from({ length: days }, (_, i) => new Date(now.getTime() - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** Records per partner per day as chart series, zeros where nothing was processed. */
export function chartData(rows: DayRecords[], days: string[]) {
  const partners = [...new Set(rows.map((row) => row.partner))].sort();
  const at = new Map(rows.map((row) => [`${row.partner} ${row.day}`, row]));
  return {
    days,
    series: partners.map((partner) => ({
      partner,
      accepted: days.map((day) => at.get(`${partner} ${day}`)?.accepted ?? 0),
      failed: days.map((day) => at.get(`${partner} ${day}`)?.failed ?? 0),
      duplicates: days.map((day) => at.get(`${partner} ${day}`)?.duplicates ?? 0),
    })),
  };
}

const day = (value: string | undefined) => (value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined);
const id = (value: string | undefined) => (value && /^\d{1,15}$/.test(value) ? Number(value) : undefined);

export function registerPages(app: FastifyInstance, console: ConsoleServer): void {
  const { read, now, health, jobRuns, accounts } = console.parts;

  /** What the live part of Today shows; re-read on every `file` event. */
  const todayLive = async () => {
    const at = now();
    const [states, latest, holds, rejections, daily] = await Promise.all([
      read.statesSince(new Date(at.getTime() - 86_400_000)),
      read.listFiles({}, { limit: 10 }),
      read.holds(),
      read.recentRejections(5),
      read.dailyRecords(CHART_DAYS),
    ]);
    const partners = [...new Set(states.map((row) => row.partner))];
    const byState = new Map(states.map((row) => [`${row.partner} ${row.state}`, row.n]));
    const chart = chartData(daily, lastDays(at, CHART_DAYS));
    return { states: { partners, byState, columns: FILE_STATES }, latest: latest.rows, holds, rejections, chart, nowMs: at.getTime() };
  };

  app.get('/console', async (req, reply) => {
    const [live, report] = await Promise.all([todayLive(), health()]);
    return console.page(req, reply, 'today', 'today', { live, health: report, jobs: jobRuns() });
  });
  app.get('/console/today/live', async (_req, reply) => console.fragment(reply, 'today-live', { live: await todayLive() }));

  app.get('/console/files', async (req, reply) => {
    const q = req.query as Query;
    const filter = {
      partner: q.partner || undefined,
      format: q.format || undefined,
      state: q.state && isFileState(q.state) ? (q.state as FileState) : undefined,
      from: day(q.from),
      to: day(q.to),
      name: q.name ? q.name.slice(0, 200) : undefined,
    };
    const [page, partners] = await Promise.all([read.listFiles(filter, { before: id(q.before), limit: FILES_PER_PAGE }), read.partners()]);
    return console.page(req, reply, 'files', 'files', {
      filter,
      page,
      first: q.before === undefined,
      partners: partners.map((p) => p.id),
      formats: FORMAT_IDS,
      states: FILE_STATES,
    });
  });

  app.get('/console/files/:id', async (req, reply) => {
    const fileId = id((req.params as { id: string }).id);
    const file = fileId === undefined ? undefined : await read.file(fileId);
    if (!file) return console.problem(req, reply, 404, 'Not found', 'No file with this id.');
    const q = req.query as Query;
    const after = q.after && /^\d+:\d+$/.test(q.after) ? { position: Number(q.after.split(':')[0]), id: Number(q.after.split(':')[1]) } : undefined;
    const code = q.code ? q.code.slice(0, 100) : undefined;
    const [history, sequence, errors, codes, notStored, receipt, outputs] = await Promise.all([
      read.history(file.id),
      read.sequence(file),
      read.recordErrors(file.id, { code, after, limit: ERRORS_PER_PAGE }),
      read.errorCodes(file.id),
      read.errorsNotStored(file.id),
      readReceipt(console.parts.layout, file),
      fileOutputs(console.parts.layout, file),
    ]);
    return console.page(req, reply, 'file', 'files', { file, history, sequence, errors, codes, code, first: !after, notStored, receipt, outputs });
  });

  app.get('/console/holds', async (req, reply) => {
    return console.page(req, reply, 'holds', 'holds', { holds: await read.holds(), nowMs: now().getTime() });
  });

  // Per partner, the charts of Today: files by state of the last 24 h, records per day for 14 days.
  app.get('/console/partners', async (req, reply) => {
    const at = now();
    const [partners, states, daily, actions] = await Promise.all([
      read.partners(),
      read.statesSince(new Date(at.getTime() - 86_400_000)),
      read.dailyRecords(CHART_DAYS),
      accounts.actions(20),
    ]);
    const days = lastDays(at, CHART_DAYS);
    const charts = new Map(partners.map((p) => [p.id, chartData(daily.filter((row) => row.partner === p.id), days)]));
    const byPartner = new Map<string, Map<FileState, number>>();
    for (const row of states) byPartner.set(row.partner, (byPartner.get(row.partner) ?? new Map()).set(row.state, row.n));
    return console.page(req, reply, 'partners', 'partners', { partners, states: byPartner, columns: FILE_STATES, charts, actions, nowMs: at.getTime() });
  });
}
