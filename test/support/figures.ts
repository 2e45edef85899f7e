/**
 * Figures a test measured along the way (peak memory, refusals), for the README. Tests print
 * nothing: with TEST_FIGURES set to a file, each figure is appended there as a JSON line.
 */
import { appendFile } from 'node:fs/promises';

export async function recordFigure(name: string, value: number | string, detail: Record<string, unknown> = {}): Promise<void> {
  const file = process.env.TEST_FIGURES;
  if (!file) return;
  await appendFile(file, `${JSON.stringify({ figure: name, value, ...detail, at: new Date().toISOString() })}\n`);
}
