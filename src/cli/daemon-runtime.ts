/** The running daemon as the CLI sees it: the runtime file it writes, and whether its pid lives. */
import { readFileSync } from 'node:fs';

export interface DaemonRuntime {
  pid: number;
  started_at: string;
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
