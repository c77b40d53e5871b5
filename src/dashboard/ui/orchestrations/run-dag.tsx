/** The run's DAG as an SVG: one box per step in its state's colour, arrows for dependencies. */
import { formatMs } from "../format.js";
import { TESTID } from "../testids.js";
import { DEFAULT_DAG_SIZES, layoutDag } from "./dag-layout.js";
import type { StepView } from "./run-view.js";

const PAD = 8;

export function RunDag({
  steps,
  selected,
  onSelect,
}: {
  steps: readonly StepView[];
  selected: string | undefined;
  onSelect: (id: string) => void;
}) {
  const layout = layoutDag(steps);
  const byId = new Map(steps.map((step) => [step.id, step]));
  const { boxWidth, boxHeight } = DEFAULT_DAG_SIZES;
  const width = layout.width + 2 * PAD;
  const height = layout.height + 2 * PAD;
  return (
    <div class="scroll-x dag-wrap">
      <svg
        class="dag"
        data-testid={TESTID.runDag}
        width={width}
        height={height}
        viewBox={`${-PAD} ${-PAD} ${width} ${height}`}
        role="img"
        aria-label="Steps of the run and their dependencies"
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 8 8"
            refX="7"
            refY="4"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0 0 L8 4 L0 8 z" class="dag-arrowhead" />
          </marker>
        </defs>
        {layout.edges.map((edge) => (
          <path key={`${edge.from}>${edge.to}`} d={edge.path} class="dag-edge" marker-end="url(#dag-arrow)" />
        ))}
        {layout.boxes.map((box) => {
          const step = byId.get(box.id);
          if (step === undefined) return null;
          const model =
            step.chosen?.model ?? (step.models.length > 1 ? `${step.models.length} models` : step.models[0]);
          const node = step.chosen?.node ?? step.nodes.join(", ");
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it acts as one
            <g
              key={box.id}
              class={`dag-step state-${step.state}${selected === box.id ? " is-selected" : ""}`}
              transform={`translate(${box.x} ${box.y})`}
              data-testid={TESTID.dagStep}
              data-step={box.id}
              data-state={step.state}
              tabIndex={0}
              role="button"
              aria-label={`step ${box.id}: ${step.state}`}
              onClick={() => onSelect(box.id)}
              onKeyDown={(event) => {
                if (event.key === "Enter" || event.key === " ") onSelect(box.id);
              }}
            >
              <rect width={boxWidth} height={boxHeight} rx="8" class="dag-box" />
              <rect width="4" height={boxHeight - 16} x="0" y="8" rx="2" class="dag-stripe" />
              <text x="14" y="22" class="dag-title">
                {clip(`${box.id}${step.type ? ` · ${step.type}` : ""}`, 24)}
              </text>
              <text x={boxWidth - 10} y="22" class="dag-meta" text-anchor="end">
                {step.durationMs === undefined ? step.state : formatMs(step.durationMs)}
              </text>
              <text x="14" y="43" class="dag-line">
                {clip(model ?? step.description ?? "", 28)}
              </text>
              <text x="14" y="62" class="dag-meta">
                {clip(node === "" ? step.state : `on ${node}`, 30)}
              </text>
              <title>{step.description ?? step.id}</title>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
