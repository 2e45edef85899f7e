/**
 * The operator console's part of the configuration. It is served on the operations listener
 * (`http.host`, `http.port`) under `/console`, and on the partner API listener too with
 * `api.console`; these keys say how long a login lasts and how failed logins are throttled.
 */
import { z } from 'zod';

export const consoleSchema = z
  .strictObject({
    /** Serves `/console` beside `/metrics` and `/healthz` (and on the API listener with `api.console`); off leaves only those two. */
    enabled: z.boolean().default(true),
    /** A session ends this long after its login, however busy. */
    session_hours: z.number().int().min(1).max(168).default(8),
    /** A session ends after this long without a request. */
    idle_minutes: z.number().int().min(1).max(1440).default(30),
    /** Failed logins from one address within `login_window_minutes` that block it. */
    max_login_failures: z.number().int().min(1).max(1000).default(5),
    login_window_minutes: z.number().int().min(1).max(1440).default(15),
    /** How long a blocked address is refused, even with the right password. */
    login_ban_minutes: z.number().int().min(1).max(10_080).default(15),
  })
  .prefault({});

export type ConsoleConfig = z.infer<typeof consoleSchema>;
