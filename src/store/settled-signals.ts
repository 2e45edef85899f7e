/**
 * Files final and answered on one node, heard on the others (see postgres/settled-signals.ts).
 * On SQLite the one node settles its own waits, so there is nothing to send.
 */
export interface SettledSignals {
  /** Tells the other nodes that file `fileId` is final and answered. */
  settled(fileId: number): Promise<void>;
  /** Hears the files other nodes settle from now on, until `stop`. */
  listen(onSettled: (fileId: number) => void): Promise<void>;
  stop(): Promise<void>;
}

export const noOtherNodes: SettledSignals = {
  settled: async () => undefined,
  listen: async () => undefined,
  stop: async () => undefined,
};
