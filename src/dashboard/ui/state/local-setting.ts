/** A Store kept in localStorage, so keys and the theme survive a reload. */
import { Store } from "./store.js";

export function localSetting(key: string): Store<string> {
  const store = new Store(read(key));
  store.subscribe((value) => {
    try {
      if (value === "") localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {
      // Storage may be off (private mode): the setting then lasts as long as the page.
    }
  });
  return store;
}

function read(key: string): string {
  try {
    return localStorage.getItem(key) ?? "";
  } catch {
    return "";
  }
}
