/**
 * The configuration of a daemon a bench section starts inside its own process (the App, not
 * `posdrop serve`). Every listener takes a free port: an operator benchmarks on the machine
 * where posdrop already runs on 2222 and 9464, and the bench must neither fail nor meet it.
 */
import { configSchema, type Config } from '../../src/config/schema.js';

export function inProcessBenchConfig(dataDir: string): Config {
  return configSchema.parse({ data_dir: dataDir, demo_partner: false, log: { level: 'warn' }, sftp: { port: 0 }, http: { port: 0 }, api: { enabled: false } });
}
