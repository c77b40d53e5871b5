/**
 * Counting at the nodes what the gateway sent them: a simulated node's
 * `counters.generations` (GET /_sim/state) grows by one for every chat or generate
 * request it accepts, whoever sends it and however it ends.
 */
import { request } from "undici";
import { isRecord } from "./chat-stream.js";

export async function readGenerations(nodeUrl: string): Promise<number> {
  const response = await request(new URL("/_sim/state", nodeUrl), { headersTimeout: 2_000 });
  const body: unknown = await response.body.json();
  const counters = isRecord(body) ? body.counters : undefined;
  if (!isRecord(counters) || typeof counters.generations !== "number") {
    throw new Error(`GET ${nodeUrl}/_sim/state: no counters.generations (HTTP ${response.statusCode})`);
  }
  return counters.generations;
}

/**
 * Generation requests the nodes received during the run, when one node was killed
 * and restarted: its count before the kill (read just before it), plus what the new
 * process counted from zero. `killed` is that index, or null when nothing was killed.
 */
export function generationsDuringRun(
  before: readonly number[],
  after: readonly (number | null)[],
  killed: { index: number; atKill: number } | null,
): number {
  let total = 0;
  before.forEach((start, index) => {
    // A restarted process counts from zero; one never restarted counted nothing more.
    if (killed?.index === index) total += killed.atKill - start + (after[index] ?? 0);
    else total += (after[index] ?? start) - start;
  });
  return total;
}
