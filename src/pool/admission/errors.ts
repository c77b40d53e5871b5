/**
 * Why a request was not admitted. Each maps to an HTTP status through HydraError, with a
 * Retry-After hint when waiting and retrying can help.
 */
import { HydraError } from "../../errors.js";
import { PRIORITY_MAX, PRIORITY_MIN } from "./config.js";

/**
 * Every suitable node is busy and the gateway's queue already holds `maxQueue` requests.
 * 429 rather than 503: the cluster is up, the client is asked to slow down.
 */
export class QueueFullError extends HydraError {
  constructor(maxQueue: number, options?: { retryAfterSeconds?: number }) {
    super(
      "HYDRA_ERR_QUEUE_FULL",
      429,
      `the gateway is at capacity: every suitable node is busy and ${maxQueue} requests are already queued (admission.maxQueue); retry later or raise admission.maxQueue`,
      { retryAfterSeconds: options?.retryAfterSeconds ?? 1 },
    );
  }
}

/** The request waited in the queue until its deadline without a node slot freeing up. */
export class QueueTimeoutError extends HydraError {
  readonly waitedMs: number;
  constructor(waitedMs: number, options?: { retryAfterSeconds?: number }) {
    super(
      "HYDRA_ERR_QUEUE_TIMEOUT",
      503,
      `no node slot became free within ${waitedMs} ms of queuing (every suitable node stayed busy); retry later, send a higher priority (x-hydra-priority), or raise admission.maxWaitMs`,
      { retryAfterSeconds: options?.retryAfterSeconds ?? 1 },
    );
    this.waitedMs = waitedMs;
  }
}

/** The x-hydra-priority header or the `priority` body field is not an integer in range. */
export class BadPriorityError extends HydraError {
  constructor(where: string, value: unknown) {
    super(
      "HYDRA_ERR_BAD_PRIORITY",
      400,
      `invalid priority ${JSON.stringify(value) ?? String(value)} in ${where}: use an integer from ${PRIORITY_MIN} (lowest) to ${PRIORITY_MAX} (highest)`,
    );
  }
}

/** The controller was closed (the gateway is shutting down) while the request waited or arrived. */
export class AdmissionClosedError extends HydraError {
  constructor() {
    super(
      "HYDRA_ERR_SHUTTING_DOWN",
      503,
      "the gateway is shutting down and admits no more requests; retry shortly or on another gateway",
      { retryAfterSeconds: 1 },
    );
  }
}
