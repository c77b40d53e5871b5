import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import {
  expandTarget,
  formatIpv4,
  MAX_SCAN_ADDRESSES,
  parseIpv4,
  parseTarget,
  parseTargets,
  type ScanTarget,
  targetSize,
} from "./cidr.js";

const hosts = (text: string) => [...expandTarget(parseTarget(text))];

function refusal(text: string): ConfigError {
  try {
    parseTarget(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

describe("parseIpv4 / formatIpv4", () => {
  it("round-trips the lowest and highest addresses", () => {
    expect(parseIpv4("0.0.0.0")).toBe(0);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(formatIpv4(0xffffffff)).toBe("255.255.255.255");
    expect(formatIpv4(parseIpv4("192.168.1.7") as number)).toBe("192.168.1.7");
  });

  it("refuses octets over 255, leading zeros, signs and the wrong number of parts", () => {
    for (const bad of [
      "256.0.0.1",
      "1.2.3.999",
      "01.2.3.4",
      "1.2.3",
      "1.2.3.4.5",
      "1..3.4",
      "-1.2.3.4",
      "1.2.3.4 ",
    ])
      expect(parseIpv4(bad), bad).toBeUndefined();
  });
});

describe("parseTarget: ranges", () => {
  it("drops the network and broadcast addresses of a /24", () => {
    const list = hosts("192.168.1.0/24");
    expect(list).toHaveLength(254);
    expect(list[0]).toBe("192.168.1.1");
    expect(list.at(-1)).toBe("192.168.1.254");
  });

  it("keeps the two usable hosts of a /30", () => {
    expect(hosts("10.0.0.4/30")).toEqual(["10.0.0.5", "10.0.0.6"]);
  });

  it("keeps both addresses of a /31 (point-to-point link)", () => {
    expect(hosts("10.0.0.4/31")).toEqual(["10.0.0.4", "10.0.0.5"]);
  });

  it("treats a /32 as the one address", () => {
    expect(hosts("10.0.0.9/32")).toEqual(["10.0.0.9"]);
  });

  it("accepts a /16, the largest range, and expands it lazily", () => {
    const target = parseTarget("10.20.0.0/16");
    expect(targetSize(target)).toBe(MAX_SCAN_ADDRESSES - 2);
    const iterator = expandTarget(target);
    expect(iterator.next().value).toBe("10.20.0.1");
    expect(iterator.next().value).toBe("10.20.0.2");
  });

  it("uses the range that contains an address with host bits set", () => {
    expect(parseTarget("127.0.0.5/29")).toMatchObject({ kind: "ipv4", prefix: 29 });
    expect(hosts("127.0.0.5/29")).toEqual([
      "127.0.0.1",
      "127.0.0.2",
      "127.0.0.3",
      "127.0.0.4",
      "127.0.0.5",
      "127.0.0.6",
    ]);
  });

  it("ignores whitespace around a target", () => {
    expect(hosts("  10.0.0.4/30\t")).toEqual(["10.0.0.5", "10.0.0.6"]);
  });

  it("reads a single IPv4 address as itself", () => {
    expect(parseTarget("192.168.1.10")).toEqual<ScanTarget>({
      kind: "ipv4",
      text: "192.168.1.10",
      prefix: 32,
      first: 0xc0a8010a,
      last: 0xc0a8010a,
    });
  });

  it("handles the top of the address space without overflowing", () => {
    expect(hosts("255.255.255.252/30")).toEqual(["255.255.255.253", "255.255.255.254"]);
  });
});

describe("parseTarget: host names and IPv6", () => {
  it("passes host names through, lower case", () => {
    expect(parseTarget("localhost")).toEqual({ kind: "host", text: "localhost", host: "localhost" });
    expect(parseTarget("GPU-Box.lan")).toMatchObject({ kind: "host", host: "gpu-box.lan" });
  });

  it("accepts a single IPv6 address, bracketed or not", () => {
    expect(parseTarget("::1")).toMatchObject({ kind: "host", host: "::1" });
    expect(parseTarget("[::1]")).toMatchObject({ kind: "host", host: "::1" });
    expect(hosts("fd00::7")).toEqual(["fd00::7"]);
  });

  it("refuses IPv6 ranges, saying they are not supported", () => {
    const error = refusal("fd00::/64");
    expect(error.message).toContain("IPv6 ranges are not supported");
    expect(error.message).toContain("192.168.1.0/24");
  });
});

describe("parseTarget: refusals say what to write", () => {
  it("refuses ranges larger than /16, /0 included, naming the size and a narrower range", () => {
    const eight = refusal("10.0.0.0/8");
    expect(eight.message).toContain("16,777,216 addresses");
    expect(eight.message).toContain("10.0.0.0/24");
    expect(refusal("10.1.0.0/15").message).toContain("131,072 addresses");
    expect(refusal("0.0.0.0/0").message).toContain("4,294,967,296 addresses");
  });

  it("refuses prefix 33 and non-numeric prefixes", () => {
    expect(refusal("10.0.0.0/33").message).toContain("/33 is not an IPv4 prefix length");
    expect(refusal("10.0.0.0/abc").message).toContain("not an IPv4 prefix length");
    expect(refusal("10.0.0.0/-1").message).toContain("not an IPv4 prefix length");
  });

  it("refuses a missing prefix after the slash", () => {
    expect(refusal("192.168.1.0/").message).toContain('prefix length after "/" is missing');
  });

  it("refuses bad octets and short addresses", () => {
    expect(refusal("192.168.1.300/24").message).toContain('"192.168.1.300" is not an IPv4 address');
    expect(refusal("192.168.1/24").message).toContain("four numbers 0-255");
    expect(refusal("192.168.1").message).toContain("four numbers 0-255");
    expect(refusal("192.168.01.0/24").message).toContain("is not an IPv4 address");
  });

  it("refuses empty input, inner spaces, schemes and ports", () => {
    expect(refusal("").message).toContain("it is empty");
    expect(refusal("   ").message).toContain("it is empty");
    expect(refusal("192.168.1.0 /24").message).toContain("contains spaces");
    expect(refusal("http://10.0.0.5").message).toContain("without a scheme");
    expect(refusal("10.0.0.5:11434").message).toContain("without a port");
    expect(refusal("10.0.0.0/24/8").message).toContain('more than one "/"');
  });

  it("refuses what is neither an address nor a host name", () => {
    expect(refusal("gpu_box!").message).toContain("not a CIDR range, an IPv4 address or a host name");
    expect(refusal("box.123").message).toContain("not a CIDR range");
    expect(refusal("fd00::zz").message).toContain("not an IPv6 address");
  });

  it("names the target in every message and carries the config error code", () => {
    const error = refusal("10.0.0.0/8");
    expect(error.message).toMatch(/^scan target "10\.0\.0\.0\/8": /);
    expect(error.code).toBe("HYDRA_ERR_CONFIG");
  });

  it("checks a whole list, failing on the first bad entry", () => {
    expect(parseTargets(["10.0.0.0/30", "localhost"])).toHaveLength(2);
    expect(() => parseTargets(["10.0.0.0/30", "10.0.0.0/8"])).toThrow(/10\.0\.0\.0\/8/);
  });
});
