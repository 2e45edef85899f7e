/** Reads the daemon's JSON log lines from its stdout, for timings the daemon itself records. */
import type { Readable } from 'node:stream';

export interface LogEvent {
  event: string;
  timestamp: string;
  partner?: string;
  file?: string;
  [field: string]: unknown;
}

export class DaemonLogs {
  readonly events: LogEvent[] = [];
  private rest = '';

  constructor(stdout: Readable) {
    stdout.on('data', (chunk: Buffer) => {
      const lines = (this.rest + chunk.toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) this.events.push(JSON.parse(line) as LogEvent);
    });
  }

  /** Milliseconds from each upload's CLOSE to its final receipt, for the files in `files`. */
  latencies(partnerFiles: ReadonlySet<string>): number[] {
    const closed = new Map<string, number>();
    const latencies: number[] = [];
    for (const line of this.events) {
      const key = `${line.partner}/${line.file}`;
      if (!partnerFiles.has(key)) continue;
      if (line.event === 'sftp.upload_closed') closed.set(key, Date.parse(line.timestamp));
      else if ((line.event === 'file.processed' || line.event === 'file.rejected') && line.dry_run !== true) {
        const at = closed.get(key);
        if (at !== undefined) latencies.push(Date.parse(line.timestamp) - at);
        closed.delete(key);
      }
    }
    return latencies;
  }

  finalStates(partnerFiles: ReadonlySet<string>): Map<string, LogEvent> {
    const states = new Map<string, LogEvent>();
    for (const line of this.events) {
      const key = `${line.partner}/${line.file}`;
      if (partnerFiles.has(key) && (line.event === 'file.processed' || line.event === 'file.rejected' || line.event === 'file.failed')) {
        states.set(key, line);
      }
    }
    return states;
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
