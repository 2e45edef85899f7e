/**
 * What an upload path may say before it takes a file: whether its name alone already decides
 * that the intake would refuse it (a name no rule of the partner accepts, a date after today, a
 * name a name-once format has accepted before). The decision is the intake's own classification
 * (`core/naming.ts`, the formats' name rules, the same clock), not a copy of it: an upload path
 * asks, and the pipeline stays the final word for whatever passes.
 */
import type { UploadArea } from '../data-layout.js';
import { utcDay } from '../core/calendar.js';
import { envelopeOf } from '../core/envelope.js';
import type { RejectCode } from '../core/errors.js';
import { classifyName } from '../core/naming.js';
import { looksTemporary, uploadNameProblem } from '../core/safe-name.js';
import { ALREADY_UPLOADED } from '../formats/delimited/processor.js';
import { formatsFor, type FormatLookup } from '../formats/registry.js';
import type { Partner } from '../store/partners.js';

/** Why the intake would refuse a file of this name, in the words its receipt would use. */
export interface UploadVerdict {
  code: RejectCode;
  message: string;
  /** The format the name belongs to, when it was recognised (a name already used). */
  format?: string;
}

export interface UploadScreenOptions {
  partner: (id: string) => Promise<Partner | undefined>;
  formats: FormatLookup;
  /** Whether a name-once format has accepted the name for the partner (committed claims only). */
  nameUsed: (partner: string, format: string, name: string) => Promise<boolean>;
  now: () => Date;
  /** `intake.refuse_names_at_upload`, read at each upload (a reload applies at once). */
  enabled: () => boolean;
}

export class UploadScreen {
  constructor(private readonly options: UploadScreenOptions) {}

  /**
   * The refusal a file of `name` would get, or undefined when only its content can tell (or it
   * is not the intake's to judge yet). Never refused here: a temporary name (it is judged under
   * the name it is renamed to), a compressed or encrypted file (the names inside decide), and
   * `/validate` (a dry run is a question: it completes and its receipt answers it).
   */
  async refusal(partnerId: string, area: UploadArea, name: string): Promise<UploadVerdict | undefined> {
    if (!this.options.enabled() || area !== 'inbox' || looksTemporary(name) || envelopeOf(name) || uploadNameProblem(name)) return undefined;
    const { formats, nameUsed, now } = this.options;
    const partner = await this.options.partner(partnerId);
    if (!partner) return undefined;
    const rules = formatsFor(partner.formats).map((format) => format.name);
    const verdict = classifyName(name, rules, partner, utcDay(now()));
    if (!verdict.ok) return { code: verdict.code, message: verdict.message };
    if (formats(verdict.format)?.dedupe.namesOnce && (await nameUsed(partner.id, verdict.format, name))) {
      return { code: 'name_used', message: ALREADY_UPLOADED, format: verdict.format };
    }
    return undefined;
  }
}
