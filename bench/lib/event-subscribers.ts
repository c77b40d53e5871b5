/**
 * Opens N clients on a gateway's event stream and reads everything they are sent, in a process
 * of its own, so their reading does not slow the benchmark's load generator. They stand in for
 * dashboards on other machines, so they read with node:http, the cheapest client there is: what
 * is measured is the gateway's cost, not theirs. Prints "subscribed http://…" once all are
 * connected; on SIGTERM prints the events each received.
 *
 *   node dist/bench/lib/event-subscribers.js <gateway-url> <count> [query]
 */
import { get } from "node:http";

const [gatewayUrl, countText, query = ""] = process.argv.slice(2);
const count = Number(countText);
if (gatewayUrl === undefined || !Number.isInteger(count) || count < 1) {
  process.stderr.write("usage: event-subscribers.js <gateway-url> <count> [query]\n");
  process.exit(2);
}

const received = new Array<number>(count).fill(0);
const EVENT_END = Buffer.from("\n\n");

function subscribe(index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    get(`${gatewayUrl}/v1/hydra/events${query === "" ? "" : `?${query}`}`, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`event stream answered ${response.statusCode}`));
        return;
      }
      // Each event ends with a blank line: count them as a client parsing them would find them.
      response.on("data", (chunk: Buffer) => {
        let at = chunk.indexOf(EVENT_END);
        while (at !== -1) {
          received[index] = (received[index] ?? 0) + 1;
          at = chunk.indexOf(EVENT_END, at + 2);
        }
      });
      response.once("error", () => {});
      resolve();
    }).once("error", reject);
  });
}

await Promise.all(Array.from({ length: count }, (_, index) => subscribe(index)));
process.stdout.write(`subscribed ${gatewayUrl}\n`);
process.once("SIGTERM", () => {
  process.stdout.write(`${JSON.stringify({ received })}\n`);
  process.exit(0);
});
