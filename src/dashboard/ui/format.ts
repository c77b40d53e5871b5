/** How numbers, sizes, durations and times read on the dashboard: short, and the same everywhere. */

const DASH = "–";

/** A duration: "0.4 ms", "812 ms", "1.24 s", "3 m 05 s", "2 h 04 m". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 0) return `-${formatMs(-ms)}`;
  if (ms < 10) return `${trim(ms.toFixed(1))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalS = Math.round(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} m ${pad2(totalS % 60)} s`;
  const totalM = Math.floor(totalS / 60);
  if (totalM < 24 * 60) return `${Math.floor(totalM / 60)} h ${pad2(totalM % 60)} m`;
  return `${Math.floor(totalM / 1440)} d ${Math.floor((totalM % 1440) / 60)} h`;
}

/** A size given in bytes, in binary units: "512 B", "1.5 KiB", "7.6 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return DASH;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : 1;
  return `${trim(value.toFixed(digits))} ${units[unit]}`;
}

/** A size given in MiB (as the agents report memory). */
export function formatMb(mb: number | null | undefined): string {
  return mb === null || mb === undefined ? DASH : formatBytes(mb * 1024 * 1024);
}

/** A plain count or rate: "0", "3.4", "812", "12.3k", "4.1M". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim((value / 1e6).toFixed(1))}M`;
  if (abs >= 1e4) return `${trim((value / 1e3).toFixed(1))}k`;
  if (abs >= 100 || Number.isInteger(value)) return String(Math.round(value));
  return trim(value.toFixed(abs >= 10 ? 1 : 2));
}

/** A share 0..1 as a percentage: "42 %". */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return DASH;
  return `${Math.round(share * 100)} %`;
}

/** Wall-clock time of day, 24 h: "14:03:09". */
export function formatClock(epochMs: number): string {
  const date = new Date(epochMs);
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** How long ago: "just now", "12 s ago", "3 m ago", "2 h ago", "4 d ago". */
export function formatAgo(epochMs: number, now: number): string {
  const s = Math.round((now - epochMs) / 1000);
  if (s < 2) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "1.50" → "1.5", "2.0" → "2". */
function trim(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}
