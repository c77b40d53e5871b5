/**
 * Keys and values as every tier stores them: a value is bytes (a Buffer) or JSON, kept as its
 * encoded bytes plus a kind and a CRC-32 checksum. Tiers never look inside; the checksum lets a
 * reader prove that what it got back is exactly what was acknowledged.
 */
import { crc32 } from "node:zlib";
import { MemoryKeyError, MemoryValueError } from "./errors.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What callers store: raw bytes, or anything JSON can carry. */
export type MemoryValue = Buffer | JsonValue;

export type ValueKind = "json" | "bytes";

export const MAX_KEY_LENGTH = 512;

export interface EncodedValue {
  kind: ValueKind;
  bytes: Buffer;
  checksum: number;
}

/** C0 controls, DEL and C1 controls: invisible in logs and tables, and a sign of a bug in the caller. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** The key itself when it is usable; throws a MemoryKeyError saying what is wrong otherwise. */
export function validateKey(key: unknown): string {
  if (typeof key !== "string") {
    throw new MemoryKeyError(`a memory key must be a string, got ${typeof key}`);
  }
  if (key.length === 0) throw new MemoryKeyError("the memory key is empty; use 1-512 printable characters");
  if (key.length > MAX_KEY_LENGTH) {
    throw new MemoryKeyError(
      `the memory key is ${key.length} characters long; use at most ${MAX_KEY_LENGTH} (hash longer keys)`,
    );
  }
  const control = CONTROL_CHARACTER.exec(key);
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, "0");
    throw new MemoryKeyError(
      `the memory key holds the control character U+${code} at position ${control.index}; use printable characters only`,
    );
  }
  return key;
}

export function checksumOf(bytes: Uint8Array): number {
  return crc32(bytes);
}

/**
 * Bytes are copied (a caller reusing its buffer must not change what was stored); anything else
 * is JSON-encoded, with JSON's own rules (NaN becomes null, undefined object fields vanish).
 */
export function encodeValue(value: MemoryValue | Uint8Array): EncodedValue {
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value);
    return { kind: "bytes", bytes, checksum: checksumOf(bytes) };
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new MemoryValueError(`it cannot be encoded as JSON (${(error as Error).message})`);
  }
  if (text === undefined) {
    throw new MemoryValueError(`a ${typeof value} is neither JSON nor bytes; store JSON or a Buffer`);
  }
  const bytes = Buffer.from(text, "utf8");
  return { kind: "json", bytes, checksum: checksumOf(bytes) };
}

/** The stored value; bytes come back as a fresh Buffer the caller may change. */
export function decodeValue(kind: ValueKind, bytes: Buffer): MemoryValue {
  if (kind === "bytes") return Buffer.from(bytes);
  return JSON.parse(bytes.toString("utf8")) as JsonValue;
}

/** Numeric form of the kind for SQL columns and Redis fields. */
export function kindCode(kind: ValueKind): number {
  return kind === "bytes" ? 0 : 1;
}

export function kindFromCode(code: number): ValueKind {
  return code === 0 ? "bytes" : "json";
}
