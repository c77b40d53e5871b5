import { HydraError } from "../errors.js";

/** Prints an error the way a user can act on it (the stack only with HYDRA_DEBUG=1), and exits non-zero. */
export function exitWithError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`hydra: ${message}\n`);
  if (process.env.HYDRA_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  process.exit(error instanceof HydraError && error.code === "HYDRA_ERR_CONFIG" ? 2 : 1);
}
