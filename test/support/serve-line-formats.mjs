// `posdrop serve` as the daemon runs it (signals, systemd notify, reload), with the line
// processor in place of the format pipelines. Usage: node serve-line-formats.mjs --config FILE
// [--gate FILE]. Loads the compiled daemon from dist/ (npm test builds it first).
import { parseArgs } from 'node:util';
import { BUILT_IN_FORMATS } from '../../dist/src/formats/registry.js';
import { runService } from '../../dist/src/ops/service.js';
import { lineFormats } from './line-format.mjs';

const { values } = parseArgs({ options: { config: { type: 'string' }, gate: { type: 'string' } } });
await runService({
  configFile: values.config,
  stderr: process.stderr,
  formats: lineFormats(BUILT_IN_FORMATS, values.gate ? { gate: values.gate } : {}),
});
