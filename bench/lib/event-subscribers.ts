/**
 * Opens N clients on a gateway's event stream and reads everything they are sent, in a process
 * of its own (so their reading does not slow the benchmark's load generator). Prints
 * "subscribed http://…" once all are connected; on SIGTERM prints the events each received.
 *
 *   node dist/bench/lib/event-subscribers.js <gateway-url> <count>
 */
const [gatewayUrl, countText] = process.argv.slice(2);
const count = Number(countText);
if (gatewayUrl === undefined || !Number.isInteger(count) || count < 1) {
  process.stderr.write("usage: event-subscribers.js <gateway-url> <count>\n");
  process.exit(2);
}

const abort = new AbortController();
const received = new Array<number>(count).fill(0);

async function subscribe(index: number): Promise<void> {
  const response = await fetch(`${gatewayUrl}/v1/hydra/events`, { signal: abort.signal });
  if (response.status !== 200 || response.body === null)
    throw new Error(`event stream answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        // Each event ends with a blank line; count them as a real client would parse them.
        received[index] =
          (received[index] ?? 0) + (decoder.decode(value, { stream: true }).split("\n\n").length - 1);
      }
    } catch {
      // Aborted at the end of the run.
    }
  })();
}

await Promise.all(Array.from({ length: count }, (_, index) => subscribe(index)));
process.stdout.write(`subscribed ${gatewayUrl}\n`);
process.once("SIGTERM", () => {
  abort.abort();
  process.stdout.write(`${JSON.stringify({ received })}\n`);
  process.exit(0);
});
