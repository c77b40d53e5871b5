/**
 * Dark or light: the system's preference until the user picks one with the toggle, which is
 * remembered. The choice is applied as `data-theme` on <html>, which the CSS variables follow.
 */
import { localSetting } from "./local-setting.js";
import { Store } from "./store.js";

export type Theme = "dark" | "light";

const chosen = localSetting("hydra.theme");
const media = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : undefined;

function effective(): Theme {
  const value = chosen.get();
  if (value === "dark" || value === "light") return value;
  return media?.matches === false ? "light" : "dark";
}

export const theme = new Store<Theme>(effective());

function apply(): void {
  theme.set(effective());
  document.documentElement.dataset.theme = theme.get();
}

export function installTheme(): void {
  apply();
  chosen.subscribe(apply);
  media?.addEventListener("change", apply);
}

export function toggleTheme(): void {
  chosen.set(theme.get() === "dark" ? "light" : "dark");
}
