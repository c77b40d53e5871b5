/**
 * Request bodies: JSON whatever the Content-Type says (curl -d sends form encoding,
 * and Ollama itself decodes any body as JSON), size-limited, with the raw text kept
 * so it can be forwarded to a node without serialising it again.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { z } from "zod";
import { BadRequestError } from "../errors.js";
import { formatValidationError } from "../validation/zod-issues.js";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    try {
      const value: unknown = JSON.parse(text);
      request.rawBody = text;
      done(null, value);
    } catch (error) {
      done(
        new BadRequestError(
          `request body is not valid JSON (${(error as Error).message}); send a JSON object`,
        ),
        undefined,
      );
    }
  });
}

/** Validates a body against a route's schema; the error names each wrong field and what it must be. */
export function parseBody<S extends z.ZodType>(schema: S, request: FastifyRequest): z.output<S> {
  if (request.body === undefined) throw new BadRequestError("request body is empty; send a JSON object");
  if (typeof request.body !== "object" || request.body === null || Array.isArray(request.body)) {
    throw new BadRequestError("request body must be a JSON object");
  }
  const result = schema.safeParse(request.body);
  if (result.success) return result.data;
  throw new BadRequestError(formatValidationError(result.error));
}
