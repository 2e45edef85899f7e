/** A partner's Client Toolbox options from the configuration (none configured: no campaigns). */
import type { Config, ToolboxPartnerConfig } from '../../config/schema.js';
import { toolboxPartnerSchema } from '../../config/schema.js';

const NONE: ToolboxPartnerConfig = toolboxPartnerSchema.parse({});

export function toolboxOptions(config: Config, partner: string): ToolboxPartnerConfig {
  return config.clienttoolbox[partner] ?? NONE;
}
