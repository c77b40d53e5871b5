/**
 * Configuration of the admission controller: how many requests each node runs at once,
 * and how the gateway's priority queue waits for a free slot.
 */
import { z } from "zod";

/** Lowest and highest request priority; 10 is served first. */
export const PRIORITY_MIN = 1;
export const PRIORITY_MAX = 10;

export const admissionConfigSchema = z.strictObject({
  /** Concurrent requests per node until the node's own `num_parallel` or its config says otherwise. */
  defaultSlots: z.number().int().positive().default(8),
  /** Most requests waiting for a slot across the gateway; one more gets 429. 0 turns queuing off. */
  maxQueue: z.number().int().nonnegative().default(1024),
  /** How long a request may wait for a slot when it names no deadline of its own; then 503. */
  maxWaitMs: z.number().int().positive().default(60_000),
  /**
   * Aging: a waiting request gains one priority level per `agingMs` waited, so a priority-1
   * request outranks fresh priority-10 arrivals after (10 - 1) × agingMs.
   */
  agingMs: z.number().int().positive().default(5_000),
  /** Priority of a request that names none (x-hydra-priority header or `priority` body field). */
  defaultPriority: z.number().int().min(PRIORITY_MIN).max(PRIORITY_MAX).default(5),
});

export type AdmissionConfig = z.infer<typeof admissionConfigSchema>;
/** What a config file may hold before defaults are applied. */
export type AdmissionConfigInput = z.input<typeof admissionConfigSchema>;
