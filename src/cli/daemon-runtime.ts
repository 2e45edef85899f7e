/** The running daemon as the CLI sees it: the runtime file it writes, and whether its pid lives. */
import { readFileSync } from 'node:fs';

export interface DaemonRuntime {
  pid: number;
  /** Absent in the runtime file of a posdrop older than 0.1.0's version reporting. */
  version?: string;
  started_at: string;
  host_key?: string;
  sftp: { host: string; port: number } | null;
  http?: { host: string; port: number } | null;
}

/** The runtime file's content when its process is alive; undefined otherwise. */
export function runningDaemon(runtimeFile: string): DaemonRuntime | undefined {
  let runtime: DaemonRuntime;
  try {
    runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as DaemonRuntime;
  } catch {
    return undefined;
  }
  try {
    process.kill(runtime.pid, 0);
    return runtime;
  } catch (err) {
    // EPERM: alive, but another user's (the service user's, seen by an operator).
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? runtime : undefined;
  }
}
