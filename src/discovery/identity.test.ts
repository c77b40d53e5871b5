import { describe, expect, it } from "vitest";
import { findSameNode, isLocalHost, localAddresses, nodeIdentity, sameNode } from "./identity.js";

const here = new Set(["192.168.1.5", "fd00::5", "gpu-box"]);

describe("nodeIdentity", () => {
  it("gives every spelling of this machine the same identity", () => {
    const spellings = [
      "http://localhost:11434",
      "http://127.0.0.1:11434",
      "http://[::1]:11434",
      "http://0.0.0.0:11434",
      "http://[::]:11434",
      "http://192.168.1.5:11434",
      "http://[fd00::5]:11434",
      "http://gpu-box:11434",
      "localhost",
      "127.0.0.1:11434/",
      "HTTP://LOCALHOST:11434",
    ];
    for (const url of spellings) expect(nodeIdentity(url, here), url).toBe("local:11434");
  });

  it("keeps other loopback addresses apart: each 127.x.y.z is its own bind address on Linux", () => {
    expect(nodeIdentity("http://127.0.0.2:11434", here)).toBe("127.0.0.2:11434");
    expect(nodeIdentity("http://127.0.0.3:11434", here)).toBe("127.0.0.3:11434");
    expect(sameNode("http://127.0.0.2:11434", "http://127.0.0.1:11434", here)).toBe(false);
  });

  it("fills in default ports: a bare host is Ollama's 11434, schemes their own", () => {
    expect(nodeIdentity("10.0.0.7")).toBe("10.0.0.7:11434");
    expect(nodeIdentity("http://10.0.0.7")).toBe("10.0.0.7:80");
    expect(nodeIdentity("https://10.0.0.7")).toBe("10.0.0.7:443");
    expect(sameNode("http://10.0.0.7:80", "http://10.0.0.7")).toBe(true);
  });

  it("tells ports and path prefixes apart", () => {
    expect(sameNode("http://localhost:11434", "http://localhost:11435")).toBe(false);
    expect(nodeIdentity("http://proxy:80/a/")).toBe("proxy:80/a");
    expect(sameNode("http://proxy/a", "http://proxy/b")).toBe(false);
  });

  it("brackets IPv6 hosts so the port stays readable", () => {
    expect(nodeIdentity("http://[fd00::7]:11434")).toBe("[fd00::7]:11434");
  });

  it("treats a host as remote when the local set does not list it", () => {
    expect(nodeIdentity("http://192.168.1.5:11434")).toBe("192.168.1.5:11434");
    expect(isLocalHost("gpu-box")).toBe(false);
    expect(isLocalHost("gpu-box", here)).toBe(true);
    expect(isLocalHost("app.localhost")).toBe(true);
  });

  it("throws a config error for what is not a URL", () => {
    expect(() => nodeIdentity("ftp://x")).toThrow(/only http/);
  });
});

describe("localAddresses", () => {
  it("lists this machine's loopback addresses and none of 127.0.0.2 and up", () => {
    const addresses = localAddresses();
    expect(addresses.has("127.0.0.1")).toBe(true);
    expect(addresses.has("127.0.0.2")).toBe(false);
  });

  it("finds the node a URL reaches under another spelling, and none for another node", () => {
    const nodes = [{ url: "http://localhost:11434" }, { url: "http://127.0.0.2:11434" }];
    expect(findSameNode(nodes, "http://127.0.0.1:11434")).toBe(nodes[0]);
    expect(findSameNode(nodes, "127.0.0.2")).toBe(nodes[1]);
    expect(findSameNode(nodes, "http://127.0.0.3:11434")).toBeUndefined();
  });
});
