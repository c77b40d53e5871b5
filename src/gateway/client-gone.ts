import type { FastifyReply } from "fastify";

/**
 * Aborts `controller` when the client closes the connection before the answer is complete, so
 * that the work done for it (upstream requests, orchestrations, pulls) stops too.
 */
export function abortWhenClientLeaves(
  reply: FastifyReply,
  controller = new AbortController(),
): AbortController {
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}
