/**
 * The Grafana dashboard in docs/grafana is importable and true to the gateway: every metric a
 * panel queries is one a real gateway exposes on /metrics (after some traffic), with the labels
 * the panel filters and groups by, so the dashboard can never show "no data" for a metric that
 * was renamed or never existed.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { declaredMetrics, scrape } from "../helpers/prometheus.js";

const DASHBOARD = fileURLToPath(new URL("../../docs/grafana/hydra-dashboard.json", import.meta.url));
const OBSERVABILITY = fileURLToPath(new URL("../../docs/observability.md", import.meta.url));
const CHAT = "llama3.2:3b";

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos?: { h: number; w: number; x: number; y: number };
}

interface Dashboard {
  schemaVersion: number;
  uid: string;
  title: string;
  __inputs: { name: string; type: string; pluginId: string }[];
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;

/** Every panel, also those inside collapsed rows. */
function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

const panels = allPanels(dashboard.panels);
const queryPanels = panels.filter((panel) => panel.type !== "row");
const expressions = [
  ...queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? "")),
  ...dashboard.templating.list.flatMap((variable) =>
    variable.type === "query" && variable.query !== undefined
      ? [typeof variable.query === "string" ? variable.query : variable.query.query]
      : [],
  ),
];
const METRIC = /\bhydra_[a-zA-Z0-9_]+/g;

describe("Grafana dashboard", () => {
  let cluster: TestCluster;
  /** Sample names /metrics declares (histograms with their _bucket, _sum and _count). */
  const exposed = new Set<string>();
  /** Label names of each metric family, from the gateway's registry. */
  const labelsOf = new Map<string, Set<string>>();

  beforeAll(async () => {
    cluster = await startTestCluster([fastNode("a", [{ name: CHAT, size_mb: 1000, loaded: true }])]);
    const chat = await fetch(`${cluster.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: CHAT, messages: [{ role: "user", content: "x" }], stream: false }),
    });
    expect(chat.status).toBe(200);
    await chat.arrayBuffer();
    const memory = `${cluster.url}/v1/hydra/memory/grafana/test`;
    expect((await fetch(memory, { method: "PUT", body: JSON.stringify({ value: 1 }) })).status).toBe(200);
    const text = await scrape(cluster.url);
    for (const [name, type] of declaredMetrics(text)) {
      exposed.add(name);
      if (type === "histogram" || type === "summary")
        for (const suffix of ["_bucket", "_sum", "_count"]) exposed.add(`${name}${suffix}`);
    }
    for (const metric of cluster.gateway.metrics.registry.getMetricsAsArray()) {
      const names = "labelNames" in metric && Array.isArray(metric.labelNames) ? metric.labelNames : [];
      const labels = new Set(names.filter((name): name is string => typeof name === "string"));
      labelsOf.set(metric.name, labels);
      if (String(metric.type) === "histogram") {
        for (const suffix of ["_sum", "_count"]) labelsOf.set(`${metric.name}${suffix}`, labels);
        labelsOf.set(`${metric.name}_bucket`, new Set([...labels, "le"]));
      }
    }
  });
  afterAll(() => cluster?.close());

  it("is an importable dashboard with a Prometheus datasource input and node and model variables", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe("hydra-gateway");
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" }),
    );
    const variables = dashboard.templating.list.map((variable) => variable.name);
    expect(variables).toEqual(expect.arrayContaining(["DS_PROMETHEUS", "node", "model"]));
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      panels.map((panel) => panel.title).filter((title) => title === undefined || title.trim() === ""),
    ).toEqual([]);
  });

  it("gives every panel a title, the Prometheus datasource and at least one query", () => {
    expect(queryPanels.length).toBeGreaterThan(30);
    for (const panel of queryPanels) {
      expect(panel.title, `panel ${panel.id}`).toMatch(/\S/);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's placeholder for the datasource chosen on import
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${DS_PROMETHEUS}" });
      expect(panel.gridPos, panel.title).toBeDefined();
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr, panel.title).toMatch(/hydra_/);
        expect(target.datasource, panel.title).toEqual(panel.datasource);
      }
    }
  });

  it("has a row for each area the dashboard shows", () => {
    const rows = panels.filter((panel) => panel.type === "row").map((panel) => panel.title);
    expect(rows).toEqual(
      expect.arrayContaining([
        "Traffic",
        "Nodes",
        "Routing",
        "Queue",
        "Orchestrations",
        "Memory",
        "Response cache",
      ]),
    );
  });

  it("queries only metrics the gateway exposes on /metrics", () => {
    const used = new Set(expressions.flatMap((expr) => expr.match(METRIC) ?? []));
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("filters and groups only by labels those metrics have", () => {
    const wrong: string[] = [];
    for (const expr of expressions) {
      // Selectors: metric{label="…", label=~"…"}.
      for (const [, metric = "", matchers = ""] of expr.matchAll(/\b(hydra_[a-zA-Z0-9_]+)\{([^}]*)\}/g)) {
        for (const [, label = ""] of matchers.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g))
          if (!labelsOf.get(metric)?.has(label)) wrong.push(`${metric} has no label ${label}: ${expr}`);
      }
      // Aggregations: by (labels) (… metric …): the first metric after the clause.
      for (const match of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        const metric = expr.slice((match.index ?? 0) + match[0].length).match(METRIC)?.[0] ?? "";
        for (const label of (match[1] ?? "").split(",").map((name) => name.trim()))
          if (label !== "" && !labelsOf.get(metric)?.has(label))
            wrong.push(`${metric} has no label ${label} to group by: ${expr}`);
      }
      // label_values(metric, label) in the variables.
      for (const [, metric = "", label = ""] of expr.matchAll(
        /label_values\((hydra_[a-zA-Z0-9_]+),\s*(\w+)\)/g,
      ))
        if (!labelsOf.get(metric)?.has(label)) wrong.push(`${metric} has no label ${label}: ${expr}`);
    }
    expect(wrong).toEqual([]);
  });

  it("is backed by docs/observability.md, which documents every metric the gateway has and no other", () => {
    const doc = readFileSync(OBSERVABILITY, "utf8");
    const own = [...labelsOf.keys()].filter(
      (name) => !/^hydra_(process|nodejs)_/.test(name) && !/_(bucket|sum|count)$/.test(name),
    );
    expect(own.length).toBeGreaterThan(50);
    // A table row that starts with the name (the formatter pads table cells, so spaces vary).
    const rows = new Set(
      doc.match(/^\|\s*`hydra_[a-z0-9_]+`\s*\|/gm)?.map((row) => row.replace(/[|`\s]/g, "")) ?? [],
    );
    expect(own.filter((name) => !rows.has(name))).toEqual([]);
    const documented = new Set(doc.match(/`hydra_[a-z0-9_]+`/g)?.map((name) => name.slice(1, -1)) ?? []);
    expect([...documented].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("writes expressions with balanced brackets", () => {
    for (const expr of expressions) {
      const stack: string[] = [];
      const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
      for (const char of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
        if ("([{".includes(char)) stack.push(char);
        else if (char in pairs) expect(stack.pop(), expr).toBe(pairs[char]);
      }
      expect(stack, expr).toEqual([]);
    }
  });
});
