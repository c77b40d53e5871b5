import { describe, expect, it } from "vitest";
import { formatAgo, formatBytes, formatCount, formatMb, formatMs, formatPercent } from "./format.js";

describe("formatMs", () => {
  it("reads naturally from sub-millisecond to days", () => {
    expect(formatMs(0.42)).toBe("0.4 ms");
    expect(formatMs(812.4)).toBe("812 ms");
    expect(formatMs(1240)).toBe("1.24 s");
    expect(formatMs(12_340)).toBe("12.3 s");
    expect(formatMs(185_000)).toBe("3 m 05 s");
    expect(formatMs(7_440_000)).toBe("2 h 04 m");
    expect(formatMs(90_000_000)).toBe("1 d 1 h");
  });

  it("shows a dash for missing values", () => {
    expect(formatMs(null)).toBe("–");
    expect(formatMs(Number.NaN)).toBe("–");
  });
});

describe("sizes", () => {
  it("formats bytes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(4 * 1024 ** 3)).toBe("4 GiB");
    expect(formatBytes(200 * 1024 ** 2)).toBe("200 MiB");
  });

  it("formats MiB as the agents report them", () => {
    expect(formatMb(8192)).toBe("8 GiB");
    expect(formatMb(null)).toBe("–");
  });
});

describe("formatCount and formatPercent", () => {
  it("keeps small numbers precise and large ones short", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(3.456)).toBe("3.46");
    expect(formatCount(42.25)).toBe("42.3");
    expect(formatCount(812.6)).toBe("813");
    expect(formatCount(12_345)).toBe("12.3k");
    expect(formatCount(4_100_000)).toBe("4.1M");
  });

  it("rounds shares to whole percents", () => {
    expect(formatPercent(0.425)).toBe("43 %");
  });
});

describe("formatAgo", () => {
  it("says how long ago in the largest whole unit", () => {
    const now = 1_000_000_000;
    expect(formatAgo(now - 500, now)).toBe("just now");
    expect(formatAgo(now - 12_000, now)).toBe("12 s ago");
    expect(formatAgo(now - 190_000, now)).toBe("3 m ago");
    expect(formatAgo(now - 7_300_000, now)).toBe("2 h ago");
  });
});
