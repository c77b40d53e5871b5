/**
 * Configuration of network discovery (`discovery:` in hydra.yaml). Nothing is scanned unless
 * `scan` lists ranges: probing a network is something its owner asks for, never a default.
 * Every key has a default, so `discoveryConfigSchema.parse({})` is a working (idle) setup.
 */
import { z } from "zod";
import { DEFAULT_OLLAMA_PORT } from "../config/node-url.js";
import { ConfigError } from "../errors.js";
import { parseTarget } from "./cidr.js";

const ms = (what: string) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int({ error: `${what} must be a whole number of milliseconds` })
    .positive({ error: `${what} must be > 0 milliseconds` });

/** Each probe holds a socket; this stays well below the usual limit of 1024 open files. */
export const MAX_CONCURRENCY = 512;

export const discoveryConfigSchema = z.strictObject({
  /**
   * What to scan: IPv4 CIDR ranges up to /16 ("192.168.1.0/24"), single addresses, or host
   * names. Each entry is checked here, so a typo fails at startup naming the entry.
   */
  scan: z
    .array(z.string({ error: 'must be a CIDR range like "192.168.1.0/24", an address or a host name' }))
    .superRefine((targets, context) => {
      targets.forEach((target, index) => {
        try {
          parseTarget(target);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          context.addIssue({ code: "custom", message: error.message, path: [index], input: target });
        }
      });
    })
    .default([]),
  /** Ports probed on every address. */
  ports: z
    .array(
      z
        .number({ error: "must be a port number 1-65535" })
        .int({ error: "must be a whole port number 1-65535" })
        .min(1, { error: "must be a port number 1-65535" })
        .max(65535, { error: "must be a port number 1-65535" }),
    )
    .min(1, { error: `list at least one port, e.g. [${DEFAULT_OLLAMA_PORT}]` })
    .default([DEFAULT_OLLAMA_PORT]),
  /** Time from the end of one scan to the start of the next. */
  intervalMs: ms("intervalMs").default(60_000),
  /** Deadline of one probe (connect, /api/version and /api/tags); a LAN answers in milliseconds. */
  timeoutMs: ms("timeoutMs").default(800),
  /** Probes in flight at once (each holds one socket). */
  concurrency: z
    .number({ error: `concurrency must be a whole number 1-${MAX_CONCURRENCY}` })
    .int({ error: `concurrency must be a whole number 1-${MAX_CONCURRENCY}` })
    .min(1, { error: `concurrency must be a whole number 1-${MAX_CONCURRENCY}` })
    .max(MAX_CONCURRENCY, {
      error: `concurrency must be at most ${MAX_CONCURRENCY} (each probe holds a socket)`,
    })
    .default(64),
});

export type DiscoveryConfig = z.infer<typeof discoveryConfigSchema>;
/** What a config file may hold before defaults are applied. */
export type DiscoveryConfigInput = z.input<typeof discoveryConfigSchema>;
