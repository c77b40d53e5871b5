/**
 * Real services for tests (Redis now, PostgreSQL later), with the project's rule: a test that
 * needs a service runs against the real one. When it is not running, the test is skipped with a
 * message that says how to start it — except in CI (CI=true), where a missing service is a failure:
 * CI machines have the services, so a skip there would hide a broken setup.
 *
 *   const redis = await requireRedis();
 *   describe.skipIf(!redis.available)("…", () => { … });
 */
import { randomUUID } from "node:crypto";
import { connect } from "node:net";

export interface ServiceSpec {
  /** For messages: "Redis". */
  name: string;
  host: string;
  port: number;
  /** Optional exchange on the open socket that proves it is this service (e.g. Redis's PING). */
  greeting?: { send: string; expect: RegExp };
}

export interface ServiceStatus {
  available: boolean;
  /** Why it is not available, with how to start it; empty when it is. */
  reason: string;
}

export interface RequireOptions {
  /** Default: process.env (CI=true turns an absence into a failure). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the service to answer. */
  timeoutMs?: number;
  /** Default: serviceAvailable (tests of this helper pretend the service is absent). */
  probe?: (spec: ServiceSpec, timeoutMs?: number) => Promise<boolean>;
}

export const REDIS_URL = "redis://127.0.0.1:6379";

export const REDIS: ServiceSpec = {
  name: "Redis",
  host: "127.0.0.1",
  port: 6379,
  greeting: { send: "PING\r\n", expect: /^\+PONG\r\n/ },
};

/** Whether the service answers now (a TCP connection, and its greeting if it has one). */
export function serviceAvailable(spec: ServiceSpec, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port });
    let received = "";
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("error", () => finish(false));
    socket.once("connect", () => {
      if (spec.greeting === undefined) finish(true);
      else socket.write(spec.greeting.send);
    });
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (spec.greeting?.expect.test(received)) finish(true);
      // Anything else, once a full line is in, is not this service.
      else if (received.includes("\n")) finish(false);
    });
  });
}

/**
 * Resolves to the service's status when it is there, or (outside CI) when it is not, after telling
 * the developer why the tests that need it are skipped. Under CI=true an absent service rejects, so
 * the test file fails with the message.
 */
export async function requireService(
  spec: ServiceSpec,
  options: RequireOptions = {},
): Promise<ServiceStatus> {
  const env = options.env ?? process.env;
  const probe = options.probe ?? serviceAvailable;
  if (await probe(spec, options.timeoutMs)) return { available: true, reason: "" };
  const where = `${spec.host}:${spec.port}`;
  const start = `start ${spec.name} at ${where}`;
  if (env.CI === "true")
    throw new Error(
      `${spec.name} is not reachable at ${where}, and in CI (CI=true) tests that need it must run: ${start}`,
    );
  const reason = `${spec.name} is not reachable at ${where}: skipping the tests that need it (${start} to run them; in CI this is a failure)`;
  console.warn(reason);
  return { available: false, reason };
}

export function requireRedis(options: RequireOptions = {}): Promise<ServiceStatus> {
  return requireService(REDIS, options);
}

/** A key prefix no other test (or run) uses, for tests that share one Redis. */
export function uniqueRedisPrefix(label: string): string {
  return `hydra-test:${label}:${randomUUID()}:`;
}

/** Deletes every key under `prefix` (SCAN, so a busy shared Redis is not blocked). */
export async function deleteRedisKeys(prefix: string, url = REDIS_URL): Promise<number> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    let deleted = 0;
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== "0");
    return deleted;
  } finally {
    client.disconnect();
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

export const POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

export const POSTGRES: ServiceSpec = { name: "PostgreSQL", host: "127.0.0.1", port: 5432 };

/**
 * Whether PostgreSQL answers a query at POSTGRES_URL (trust auth, user postgres, database test):
 * a bare TCP check would pass for a server that refuses the login or lacks the database.
 */
export async function postgresAvailable(_spec: ServiceSpec = POSTGRES, timeoutMs = 2_000): Promise<boolean> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Like requireRedis, for PostgreSQL at 127.0.0.1:5432 (database `test`, user postgres, trust auth).
 *
 *   const postgres = await requirePostgres();
 *   describe.skipIf(!postgres.available)("…", () => { … });
 */
export function requirePostgres(options: RequireOptions = {}): Promise<ServiceStatus> {
  return requireService(
    { ...POSTGRES, name: "PostgreSQL (database test, user postgres, trust auth)" },
    { probe: postgresAvailable, ...options },
  );
}

/** A schema name no other test (or run) uses, for tests that share one PostgreSQL database. */
export function uniquePostgresSchema(label: string): string {
  return `hydra_test_${label.replace(/[^a-z0-9_]/g, "_")}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** Drops a schema made by uniquePostgresSchema and everything in it. */
export async function dropPostgresSchema(schema: string, url = POSTGRES_URL): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end().catch(() => {});
  }
}
