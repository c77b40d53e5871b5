import { HydraError } from "../errors.js";

/** Prints an error the way a user can act on it, and exits non-zero. */
export function exitWithError(error: unknown): never {
  if (error instanceof HydraError) {
    process.stderr.write(`hydra: ${error.message}\n`);
    process.exit(error.code === "HYDRA_ERR_CONFIG" ? 2 : 1);
  }
  process.stderr.write(`hydra: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
