// The window's theme: follow the OS (the default), or light or dark as the agent chose; kept
// in the webview's local storage (a display preference, nothing secret).

export type Theme = "system" | "light" | "dark";
const KEY = "leadline.theme";

export function savedTheme(storage: Pick<Storage, "getItem"> = localStorage): Theme {
  const saved = storage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

/** Applies `theme` to the document and remembers it. */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement, storage: Pick<Storage, "setItem"> = localStorage): void {
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
  storage.setItem(KEY, theme);
}

/** A level in dBFS as a meter's fill, 0..1 (-60 dBFS and below is empty). */
export function meterFill(dbfs: number): number {
  if (!Number.isFinite(dbfs)) return 0;
  return Math.min(1, Math.max(0, (dbfs + 60) / 60));
}
