/** The event stream (/v1/hydra/events): who listens. */
import { Gauge, type Registry } from "prom-client";
import type { EventBus } from "../events/bus.js";

export function registerEventMetrics(registers: Registry[], events: EventBus): void {
  new Gauge({
    name: "hydra_event_subscribers",
    help: "Clients subscribed to the gateway's event stream (event-stream clients, open dashboards)",
    registers,
    collect() {
      this.set(events.subscribers);
    },
  });
}
