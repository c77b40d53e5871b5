/** Reads Prometheus text exposition (what GET /metrics answers) in tests. */

export interface Sample {
  /** The series name as written (histograms: with _bucket, _sum, _count). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? "").matchAll(LABEL)) {
      if (key !== undefined)
        labels[key] = (raw ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1] ?? "", labels, value: Number(match[3]) });
  }
  return samples;
}

/** The metric families the text declares (`# TYPE name type`), also those with no sample yet. */
export function declaredMetrics(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1] ?? "", match[2] ?? "");
  return types;
}

/** Samples of `name` whose labels include every one given. */
export function series(text: string | Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  const samples = typeof text === "string" ? parseSamples(text) : text;
  return samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The value of the one series of `name` with these labels; undefined when there is none. */
export function metricValue(
  text: string | Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = series(text, name, labels);
  if (found.length > 1)
    throw new Error(`${found.length} series of ${name} match ${JSON.stringify(labels)}: name more labels`);
  return found[0]?.value;
}

/** Sum over the series of `name` with these labels (0 when there is none). */
export function sumOf(text: string | Sample[], name: string, labels: Record<string, string> = {}): number {
  return series(text, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}

export async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}
