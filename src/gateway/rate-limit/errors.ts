import { HydraError } from "../../errors.js";

/** A request or token budget is used up; `retryAfterSeconds` says when it has room again. */
export class RateLimitedError extends HydraError {
  constructor(message: string, retryAfterSeconds: number) {
    super("HYDRA_ERR_RATE_LIMITED", 429, message, { retryAfterSeconds });
  }
}
