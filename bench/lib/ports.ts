/**
 * Free TCP ports chosen up front, for processes that must come back on the same
 * address after a restart (a port-0 listener would get a new port each time).
 */
import { createServer, type Server } from "node:net";

/** `count` distinct ports that were free a moment ago on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  // Hold every listener open until all are bound, so the kernel cannot hand out one port twice.
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address for a listener");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
