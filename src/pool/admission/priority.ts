/**
 * Reading a request's priority from what the client sent. Pure: the route passes the
 * header and the parsed body, and maps a thrown BadPriorityError to 400.
 */
import { PRIORITY_MAX, PRIORITY_MIN } from "./config.js";
import { BadPriorityError } from "./errors.js";

export const PRIORITY_HEADER = "x-hydra-priority";

export function isValidPriority(value: number): boolean {
  return Number.isInteger(value) && value >= PRIORITY_MIN && value <= PRIORITY_MAX;
}

/**
 * The request's priority: the `x-hydra-priority` header, else the body's `priority` field,
 * else `fallback`. The header wins over the body so that a proxy or a per-tenant client
 * wrapper can set the priority without rewriting bodies. A value that is present but not an
 * integer from 1 to 10 is an error, never silently clamped: a client asking for priority 50
 * should learn that it gets 10 at most. A `null` body field counts as absent, like other
 * optional JSON fields.
 */
export function parsePriority(header: string | undefined, body: unknown, fallback: number): number {
  if (header !== undefined) {
    const text = header.trim();
    // Number("") is 0 and Number("0x5") is 5: accept plain decimal digits only.
    const value = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
    if (!isValidPriority(value)) throw new BadPriorityError(`the ${PRIORITY_HEADER} header`, header);
    return value;
  }
  if (typeof body === "object" && body !== null && !Array.isArray(body) && "priority" in body) {
    const { priority } = body;
    if (priority === null || priority === undefined) return fallback;
    if (typeof priority !== "number" || !isValidPriority(priority)) {
      throw new BadPriorityError('the body field "priority"', priority);
    }
    return priority;
  }
  return fallback;
}
