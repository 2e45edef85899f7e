import type { FormatLookup } from '../../src/formats/registry.js';
import type { FormatSpec } from '../../src/formats/types.js';

/** The built-in formats with a line-per-record processor; `gate`: wait for that file to exist. */
export function lineFormats(builtIns: readonly FormatSpec[], options?: { gate?: string }): FormatLookup;
