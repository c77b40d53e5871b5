/**
 * Search filters, pure: what a filter may say (a namespace, metadata fields that must equal given
 * values), the SQL that applies it inside sqlite-vec's KNN scan, and the same rule in JavaScript
 * for the exact reference search.
 *
 * Both parts narrow the scan before the k nearest are chosen, so a filtered search returns the k
 * nearest *matching* entries, never fewer because better non-matching ones took the places:
 * - the namespace is a vec0 metadata column, which sqlite-vec tests while it scans (and a tag
 *   per vector in the SIMD scan);
 * - metadata equalities select the matching rows from the items table, and the KNN query is
 *   restricted to them with `rowid IN (...)`, which sqlite-vec also applies during the scan (the
 *   SIMD scan keeps only keys of that set).
 * A namespace is a metadata column rather than a vec0 partition key because a partition key gives
 * every namespace chunks of its own (1024 vectors each), so many small namespaces would waste space.
 */
import { z } from "zod";

/** JSON scalars a metadata field can be compared with. */
export type MetadataScalar = string | number | boolean | null;
export type Metadata = Record<string, unknown>;

export interface VectorFilter {
  namespace?: string;
  metadata?: Record<string, MetadataScalar>;
}

/** Keys are put into JSON paths: keep them to characters that need no escaping there. */
const METADATA_KEY = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_FILTER_KEYS = 16;
export const MAX_NAMESPACE_CHARS = 256;

export const namespaceSchema = z
  .string()
  .min(1, { error: "namespace must not be empty; leave it out to use the default namespace" })
  .max(MAX_NAMESPACE_CHARS, { error: `namespace must be at most ${MAX_NAMESPACE_CHARS} characters` });

export const vectorFilterSchema = z.strictObject({
  namespace: namespaceSchema.optional(),
  metadata: z
    .record(
      z.string().regex(METADATA_KEY, {
        error: "metadata filter keys must be 1-64 letters, digits, _ or -",
      }),
      z.union([z.string(), z.number(), z.boolean(), z.null()], {
        error: "metadata filter values must be a string, number, boolean or null (compared for equality)",
      }),
    )
    .refine((record) => Object.keys(record).length <= MAX_FILTER_KEYS, {
      error: `a metadata filter may name at most ${MAX_FILTER_KEYS} keys`,
    })
    .optional(),
});

/** Where the filter's conditions go in the KNN query, and their parameters in order. */
export interface FilterSql {
  /** `AND ...` clauses on the vec0 table aliased `v`; empty without a filter. */
  clauses: string;
  params: unknown[];
  /** Identifies the statement's shape, so prepared statements can be reused per shape. */
  shape: string;
}

/**
 * The filter as SQL for `SELECT ... FROM <vec0 table> v WHERE v.embedding MATCH ? AND k = ? <clauses>`,
 * with the items table (`items`, integer key `rid`, JSON text column `metadata`).
 */
export function filterToSql(filter: VectorFilter | undefined, itemsTable: string): FilterSql {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const shape: string[] = [];
  if (filter?.namespace !== undefined) {
    clauses.push("AND v.namespace = ?");
    params.push(filter.namespace);
    shape.push("ns");
  }
  const metadata = metadataConditions(filter?.metadata);
  if (metadata !== undefined) {
    clauses.push(`AND v.rowid IN (SELECT rid FROM ${itemsTable} WHERE ${metadata.where})`);
    params.push(...metadata.params);
    shape.push(metadata.shape);
  }
  return { clauses: clauses.join(" "), params, shape: shape.join(",") };
}

/**
 * The metadata equalities as a WHERE condition on the items table's JSON `metadata` column, with
 * its parameters; undefined when there are none.
 */
export function metadataConditions(
  metadata: Record<string, MetadataScalar> | undefined,
): { where: string; params: unknown[]; shape: string } | undefined {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0) return undefined;
  const conditions: string[] = [];
  const params: unknown[] = [];
  const shape: string[] = [];
  for (const [key, value] of entries) {
    const path = `$."${key}"`;
    // json_type tells 1 from true and "1" from 1, which json_extract alone would confuse.
    if (value === null) {
      conditions.push("json_type(metadata, ?) = 'null'");
      params.push(path);
      shape.push("null");
    } else if (typeof value === "boolean") {
      conditions.push("json_type(metadata, ?) = ?");
      params.push(path, value ? "true" : "false");
      shape.push("bool");
    } else if (typeof value === "number") {
      conditions.push("json_type(metadata, ?) IN ('integer', 'real') AND json_extract(metadata, ?) = ?");
      params.push(path, path, value);
      shape.push("num");
    } else {
      conditions.push("json_type(metadata, ?) = 'text' AND json_extract(metadata, ?) = ?");
      params.push(path, path, value);
      shape.push("text");
    }
  }
  return { where: conditions.join(" AND "), params, shape: shape.join(",") };
}

/** The same rule in JavaScript: whether an entry with this namespace and metadata passes. */
export function matchesFilter(
  entry: { namespace: string; metadata: Metadata | undefined },
  filter: VectorFilter | undefined,
): boolean {
  if (filter === undefined) return true;
  if (filter.namespace !== undefined && entry.namespace !== filter.namespace) return false;
  for (const [key, expected] of Object.entries(filter.metadata ?? {})) {
    const metadata = entry.metadata;
    if (metadata === undefined || !Object.hasOwn(metadata, key)) return false;
    if (metadata[key] !== expected) return false;
  }
  return true;
}
