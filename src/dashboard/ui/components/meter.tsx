/** A horizontal bar for a share (VRAM used, slots busy, pull progress), amber then red as it fills. */
import type { HTMLAttributes } from "preact";

export interface MeterProps extends Omit<HTMLAttributes<HTMLDivElement>, "label"> {
  /** 0..1 */
  fraction: number;
  label?: string;
  detail?: string;
  /** Colour by fill (green, amber past 75 %, red past 90 %) instead of the accent colour. */
  severity?: boolean;
  tone?: "ok" | "warn" | "bad" | "accent";
}

export function Meter({ fraction, label, detail, severity = false, tone, ...rest }: MeterProps) {
  const share = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const chosen = tone ?? (severity ? (share >= 0.9 ? "bad" : share >= 0.75 ? "warn" : "ok") : "accent");
  return (
    <div class="meter" {...rest}>
      {(label !== undefined || detail !== undefined) && (
        <div class="meter-text">
          <span>{label}</span>
          <span class="num muted">{detail}</span>
        </div>
      )}
      <div
        class="meter-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(share * 100)}
      >
        <div class={`meter-fill fill-${chosen}`} style={{ width: `${share * 100}%` }} />
      </div>
    </div>
  );
}
