import { describe, expect, it } from "vitest";
import { type NamedNode, NodeDirectory, nodeKey } from "./node-identity.js";

describe("nodeKey", () => {
  it("gives every spelling of one node the same key", () => {
    const spellings = [
      "gpu-box",
      "gpu-box:11434",
      "http://gpu-box:11434/",
      "HTTP://GPU-BOX:11434",
      " gpu-box ",
    ];
    expect(new Set(spellings.map(nodeKey))).toEqual(new Set(["http://gpu-box:11434"]));
    expect(nodeKey("http://10.0.0.5:80")).toBe("http://10.0.0.5");
    expect(nodeKey("https://h:443/ollama/")).toBe("https://h/ollama");
  });

  it("is undefined for what is not a node URL", () => {
    for (const url of ["", "ftp://h:1", "http://[bad"]) expect(nodeKey(url)).toBeUndefined();
  });
});

describe("NodeDirectory", () => {
  it("maps this gateway's names to keys and back, whatever spelling the config used", () => {
    const directory = new NodeDirectory(() => [
      { name: "gpu", url: "http://gpu-box:11434/" },
      { name: "cpu", url: "cpu-box" },
    ]);
    expect(directory.keyOf("gpu")).toBe("http://gpu-box:11434");
    expect(directory.keyOf("cpu")).toBe("http://cpu-box:11434");
    expect(directory.nameOf("http://cpu-box:11434")).toBe("cpu");
    expect(directory.keyOf("tpu")).toBeUndefined();
    expect(directory.nameOf("http://elsewhere:11434")).toBeUndefined();
  });

  it("follows nodes that join and leave", () => {
    let nodes: NamedNode[] = [{ name: "a", url: "http://a:1" }];
    const directory = new NodeDirectory(() => nodes);
    expect(directory.nameOf("http://b:2")).toBeUndefined();
    nodes = [...nodes, { name: "b", url: "http://b:2" }];
    expect(directory.nameOf("http://b:2")).toBe("b");
    nodes = nodes.filter((node) => node.name !== "a");
    expect(directory.keyOf("a")).toBeUndefined();
  });

  it("ignores a node whose URL is not valid rather than throwing", () => {
    const directory = new NodeDirectory(() => [{ name: "odd", url: "ftp://x" }]);
    expect(directory.keyOf("odd")).toBeUndefined();
  });
});
