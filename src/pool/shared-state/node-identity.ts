/**
 * Which node a shared message is about. Gateways may give one node different names (or none), so
 * what they share is keyed by the node's URL in its canonical form; each gateway maps that back to
 * its own node name, and ignores nodes it does not have.
 */
import { normalizeNodeUrl } from "../../config/node-url.js";

export interface NamedNode {
  readonly name: string;
  readonly url: string;
}

/** The canonical form of a node URL (see normalizeNodeUrl), or undefined when it is not one. */
export function nodeKey(url: string): string | undefined {
  try {
    return normalizeNodeUrl(url);
  } catch {
    return undefined;
  }
}

/**
 * Maps node names to shared keys and back, over a node list that may change at any time (nodes
 * join and leave), so it is read afresh on each lookup; only the URL normalisation is cached.
 */
export class NodeDirectory {
  readonly #nodes: () => Iterable<NamedNode>;
  /** Raw URL → canonical key; bounded by the number of distinct URLs ever seen (nodes, not messages). */
  readonly #keys = new Map<string, string | undefined>();

  constructor(nodes: () => Iterable<NamedNode>) {
    this.#nodes = nodes;
  }

  /** The shared key of this gateway's node `name`, or undefined for a node it does not have. */
  keyOf(name: string): string | undefined {
    for (const node of this.#nodes()) if (node.name === name) return this.#key(node.url);
    return undefined;
  }

  /** This gateway's name for the node with shared key `key`, or undefined when it has none. */
  nameOf(key: string): string | undefined {
    for (const node of this.#nodes()) if (this.#key(node.url) === key) return node.name;
    return undefined;
  }

  #key(url: string): string | undefined {
    if (this.#keys.has(url)) return this.#keys.get(url);
    const key = nodeKey(url);
    this.#keys.set(url, key);
    return key;
  }
}
