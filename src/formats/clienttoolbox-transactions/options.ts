/**
 * A batch's Client Toolbox options: the partner's from the configuration (none configured: no
 * campaigns), with the ones its sender gave for this batch over the API (`apply_ratio`,
 * `allow-undo`, `create_new_customers`, `output`, `condensed`) in their place. Campaigns are
 * only ever the configuration's: a request cannot widen what its lines may touch.
 */
import { z } from 'zod';
import type { Config, ToolboxPartnerConfig } from '../../config/schema.js';
import { toolboxPartnerSchema } from '../../config/schema.js';

const NONE: ToolboxPartnerConfig = toolboxPartnerSchema.parse({});

/** What a sender may set for its own batch; anything else recorded with the file is ignored. */
const batchOptionsSchema = z.object({
  apply_ratio: z.boolean().optional(),
  create_new_customers: z.boolean().optional(),
  receipt: z.enum(['xml', 'json']).optional(),
  condensed: z.boolean().optional(),
  allow_undo: z.boolean().optional(),
});

export type ToolboxBatchOptions = z.infer<typeof batchOptionsSchema>;

/** The options `file` is processed with (the configuration's alone without a file). */
export function toolboxOptions(config: Config, partner: string, file?: { senderOptions: Record<string, unknown> | null }): ToolboxPartnerConfig {
  const configured = config.clienttoolbox[partner] ?? NONE;
  const given = batchOptionsSchema.safeParse(file?.senderOptions ?? {});
  if (!given.success) return configured;
  const options = { ...configured };
  for (const [key, value] of Object.entries(given.data)) if (value !== undefined) Object.assign(options, { [key]: value });
  return options;
}
