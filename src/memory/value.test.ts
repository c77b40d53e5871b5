import { describe, expect, it } from "vitest";
import { MemoryKeyError, MemoryValueError } from "./errors.js";
import { checksumOf, decodeValue, encodeValue, kindCode, kindFromCode, validateKey } from "./value.js";

describe("validateKey", () => {
  it("accepts printable keys up to 512 characters, Unicode included", () => {
    expect(validateKey("response:abc123")).toBe("response:abc123");
    expect(validateKey("k".repeat(512))).toHaveLength(512);
    expect(validateKey("mémoire/日本語 with spaces")).toBe("mémoire/日本語 with spaces");
  });

  it("refuses an empty key", () => {
    expect(() => validateKey("")).toThrow(/the memory key is empty/);
  });

  it("refuses a key over 512 characters, saying how long it is", () => {
    expect(() => validateKey("k".repeat(513))).toThrow(/513 characters long; use at most 512/);
  });

  it("refuses control characters, naming the character and where it is", () => {
    expect(() => validateKey("a\nb")).toThrow(/control character U\+000a at position 1/);
    expect(() => validateKey("\u0000")).toThrow(MemoryKeyError);
    expect(() => validateKey("x\u007f")).toThrow(MemoryKeyError);
  });

  it("refuses a key that is not a string", () => {
    expect(() => validateKey(42)).toThrow(/must be a string, got number/);
  });

  it("answers 400 with a searchable code", () => {
    try {
      validateKey("");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ status: 400, code: "HYDRA_ERR_MEMORY_KEY" });
    }
  });
});

describe("values", () => {
  it("round-trips JSON values exactly", () => {
    for (const value of [null, true, 0, -1.5, "text", [1, "two", { three: 3 }], { nested: { a: [] } }]) {
      const encoded = encodeValue(value);
      expect(encoded.kind).toBe("json");
      expect(decodeValue(encoded.kind, encoded.bytes)).toEqual(value);
    }
  });

  it("round-trips bytes, including ones that are not UTF-8", () => {
    const bytes = Buffer.from([0, 255, 128, 10, 13]);
    const encoded = encodeValue(bytes);
    expect(encoded.kind).toBe("bytes");
    expect(decodeValue("bytes", encoded.bytes)).toEqual(bytes);
  });

  it("copies bytes in and out, so later changes by the caller do not reach the store", () => {
    const bytes = Buffer.from("abc");
    const encoded = encodeValue(bytes);
    bytes[0] = 0x7a;
    expect(encoded.bytes.toString()).toBe("abc");
    const out = decodeValue("bytes", encoded.bytes) as Buffer;
    out[0] = 0x7a;
    expect(encoded.bytes.toString()).toBe("abc");
  });

  it("takes a plain Uint8Array as bytes", () => {
    expect(encodeValue(new Uint8Array([1, 2])).kind).toBe("bytes");
  });

  it("checksums what it encodes (CRC-32)", () => {
    const encoded = encodeValue({ a: 1 });
    expect(encoded.checksum).toBe(checksumOf(Buffer.from('{"a":1}')));
    expect(checksumOf(Buffer.from("abc"))).toBe(0x352441c2);
  });

  it("refuses values JSON cannot carry, with a 400", () => {
    expect(() => encodeValue(undefined as never)).toThrow(MemoryValueError);
    expect(() => encodeValue((() => 1) as never)).toThrow(/neither JSON nor bytes/);
    expect(() => encodeValue(10n as never)).toThrow(/cannot be encoded as JSON/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeValue(cyclic as never)).toThrow(MemoryValueError);
  });

  it("maps kinds to stored codes and back", () => {
    expect(kindFromCode(kindCode("bytes"))).toBe("bytes");
    expect(kindFromCode(kindCode("json"))).toBe("json");
  });
});
