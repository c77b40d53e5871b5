/**
 * `GET /v1/hydra/cluster`: the whole cluster in one snapshot (nodes, queue, strategy, models);
 * `GET /v1/hydra/traffic?window=300`: the last minutes of traffic second by second. Together
 * with the event stream, everything the dashboard draws, for any tool to read.
 */
import type { FastifyInstance } from "fastify";
import { BadRequestError } from "../../errors.js";
import { clusterSnapshot, type SnapshotSources } from "../cluster/snapshot.js";

export async function clusterRoutes(app: FastifyInstance, sources: SnapshotSources): Promise<void> {
  app.get("/v1/hydra/cluster", async () => clusterSnapshot(sources));

  app.get<{ Querystring: { window?: string } }>("/v1/hydra/traffic", async (request) => {
    const { traffic } = sources.ctx;
    const raw = request.query.window;
    const windowS = raw === undefined ? 300 : Number(raw);
    if (!Number.isInteger(windowS) || windowS < 1 || windowS > traffic.maxWindowS) {
      throw new BadRequestError(
        `invalid window "${raw}": use a whole number of seconds from 1 to ${traffic.maxWindowS}`,
      );
    }
    return traffic.snapshot(windowS);
  });
}
