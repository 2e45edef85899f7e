/**
 * Classification: which format a file name belongs to, and the fields the name carries.
 * Name rules are data (one regular expression with named groups per format); the checks below are
 * driven by which groups a rule has: `date`, `counter`, `client_id`, `channel`.
 */
import type { RejectCode } from './errors.js';
import { parseCalendarDate, type DateLayout } from './calendar.js';

export interface NameRule {
  /** Format id, e.g. `crowdtwist-pos`. */
  readonly format: string;
  /** The rule as partners read it, e.g. `YYYYMMDD_NNNN_<client_id>_pos_<any>.json`. */
  readonly pattern: string;
  readonly regex: RegExp;
  /** How the `date` group is written, when the rule has one. */
  readonly dateLayout?: DateLayout;
  /**
   * The name only suggests a channel: the file's channel is the partner's channel the name
   * starts with (`<channel>_…`), else the partner's default channel (its first). PBJ records sales
   * "against the channel of the authenticated user" and only suggests a naming convention.
   */
  readonly channelFromName?: boolean;
}

/** What a name tells about its file; `date` is normalised to `YYYY-MM-DD`. */
export interface NameFields {
  date?: string;
  counter?: number;
  client_id?: string;
  channel?: string;
  batch?: string;
  list_id?: string;
  ext?: string;
  any?: string;
}

export interface NamingPartner {
  readonly clientId: string;
  /** The first is the partner's default channel. */
  readonly channels: readonly string[];
}

export type Classification =
  | { ok: true; format: string; fields: NameFields }
  | { ok: false; code: RejectCode; message: string; accepted: string[] };

/** Classifies `name` against `rules` (the partner's formats, in order) as of `today` (UTC). */
export function classifyName(
  name: string,
  rules: readonly NameRule[],
  partner: NamingPartner,
  today: string,
): Classification {
  const accepted = rules.map((rule) => acceptedPattern(rule, partner));
  for (const rule of rules) {
    const groups = rule.regex.exec(name)?.groups;
    if (!groups) continue;
    const checked = checkFields(rule, groups, partner, today);
    if (!('code' in checked) && rule.channelFromName) {
      const channel = channelOfName(name, partner);
      if (channel === undefined) {
        return { ok: false, code: 'name_channel_unknown', message: `this account has no channel, so the sales of "${name}" belong to none`, accepted };
      }
      checked.channel = channel;
    }
    if ('code' in checked) return { ok: false, ...checked, accepted };
    return { ok: true, format: rule.format, fields: checked };
  }
  const message =
    rules.length === 0
      ? `no file formats are enabled for this account, so "${name}" cannot be accepted`
      : `"${name}" does not match any accepted file name: ${accepted.join('; ')}`;
  return { ok: false, code: 'name_unrecognised', message, accepted };
}

type Problem = { code: RejectCode; message: string };

function checkFields(
  rule: NameRule,
  groups: Record<string, string | undefined>,
  partner: NamingPartner,
  today: string,
): NameFields | Problem {
  const fields: NameFields = {};
  const { date, counter, client_id: clientId, channel } = groups;
  if (date !== undefined) {
    const layout = rule.dateLayout ?? 'YYYYMMDD';
    const day = parseCalendarDate(date, layout);
    if (!day) {
      return { code: 'name_date_invalid', message: `"${date}" is not a calendar date written ${layout}` };
    }
    if (day > today) {
      return { code: 'name_date_future', message: `the date ${date} is after today (${today}, UTC)` };
    }
    fields.date = day;
  }
  if (counter !== undefined) {
    if (!/^\d{4}$/.test(counter) || counter === '0000') {
      return {
        code: 'name_counter_invalid',
        message: `the counter "${counter}" must be four digits from 0001 to 9999`,
      };
    }
    fields.counter = Number(counter);
  }
  if (clientId !== undefined) {
    if (clientId !== partner.clientId) {
      return {
        code: 'name_client_mismatch',
        message: `the client id "${clientId}" is not this account's client id "${partner.clientId}"`,
      };
    }
    fields.client_id = clientId;
  }
  if (channel !== undefined) {
    if (!partner.channels.includes(channel)) {
      const known = partner.channels.length ? partner.channels.join(', ') : 'none';
      return {
        code: 'name_channel_unknown',
        message: `the channel "${channel}" is not one of this account's channels (${known})`,
      };
    }
    fields.channel = channel;
  }
  for (const key of ['batch', 'list_id', 'ext', 'any'] as const) {
    const value = groups[key];
    if (value !== undefined) fields[key] = value;
  }
  return fields;
}

/** The longest of the partner's channels that the name starts with (`<channel>_`), else its default. */
function channelOfName(name: string, partner: NamingPartner): string | undefined {
  const named = partner.channels.filter((channel) => name.startsWith(`${channel}_`)).sort((a, b) => b.length - a.length)[0];
  return named ?? partner.channels[0];
}

/** The rule's pattern with this partner's own client id filled in. */
export function acceptedPattern(rule: NameRule, partner: NamingPartner): string {
  let text = rule.pattern.replace('<client_id>', partner.clientId);
  if (text.includes('<channel>') && partner.channels.length > 0) {
    text += ` (channel: ${partner.channels.join(' | ')})`;
    if (rule.channelFromName) text += ` (default channel: ${partner.channels[0]})`;
  }
  return `${text} [${rule.format}]`;
}
