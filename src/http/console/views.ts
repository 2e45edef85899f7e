/**
 * Server-rendered pages with Eta: every `<%= %>` is HTML-escaped (the default, kept on), and
 * the templates never use the unescaped form on anything but other rendered templates. File
 * names, record values and reasons are partner-controlled text.
 */
import path from 'node:path';
import { Eta } from 'eta';

/** Formatting the templates share. */
export const helpers = {
  /** `2026-11-24 10:00:03` (UTC) from an ISO timestamp; `-` for none. */
  time(iso: string | null | undefined): string {
    return iso ? `${iso.slice(0, 19).replace('T', ' ')}` : '-';
  },
  /** `3 h 12 min` from milliseconds. */
  age(ms: number): string {
    const minutes = Math.max(0, Math.floor(ms / 60_000));
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h ${minutes % 60} min`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  },
  /** `text` cut to `width` characters with an ellipsis; the page of the file has it whole. */
  clip(text: string | null | undefined, width: number): string {
    if (!text) return '';
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  },
  /** `1,234,567`. */
  count(n: number | null | undefined): string {
    return n === null || n === undefined ? '-' : n.toLocaleString('en-US');
  },
  /** `12.3 MB`. */
  bytes(n: number): string {
    if (n < 1024) return `${n} B`;
    const units = ['KB', 'MB', 'GB', 'TB'];
    let value = n / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${value.toFixed(1)} ${units[unit]}`;
  },
  /** A query string from the non-empty values of `params` (already escaped by the template). */
  query(params: Record<string, string | number | undefined | null>): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    const text = search.toString();
    return text ? `?${text}` : '';
  },
};

export class Views {
  private readonly eta: Eta;

  constructor(root: string) {
    this.eta = new Eta({ views: path.join(root, 'console', 'views'), autoEscape: true, cache: true, defaultExtension: '.eta' });
  }

  render(name: string, data: Record<string, unknown>): string {
    return this.eta.render(name, { ...data, h: helpers });
  }
}
