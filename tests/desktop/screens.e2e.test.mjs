// Every main screen of the real desktop app under Xvfb, in the light and the dark theme: a
// screenshot of each (tests/desktop/out/screen-<name>-<theme>.png) and an accessibility check
// with axe-core injected into the page, which must find no serious or critical violation.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, appGone, startDriver, startXvfb, stop } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const application = process.env.LEADLINE_APP ?? join(root, "target/debug/leadline-app");
const out = join(root, "tests/desktop/out");
const axe = readFileSync(join(root, "ui/node_modules/axe-core/axe.min.js"), "utf8");
const dataDir = mkdtempSync(join(tmpdir(), "leadline-e2e-screens-"));
let xvfb;
let driver;
let session;

before(async () => {
  mkdirSync(out, { recursive: true });
  xvfb = await startXvfb();
  driver = await startDriver({ ...process.env, DISPLAY: xvfb.display, LEADLINE_DATA_DIR: dataDir });
  session = await Session.create(driver, application);
  await session.waitFor("return document.querySelectorAll('[data-testid=lead-card]').length > 0", "the board");
  await session.exec(axe);
});

after(async () => {
  await session?.delete();
  stop(driver?.child);
  await appGone();
  stop(xvfb?.child);
  rmSync(dataDir, { recursive: true, force: true });
});

/** axe-core's serious and critical violations on the page now. */
async function violations() {
  const found = await session.call("POST", "/execute/async", {
    script: `const done = arguments[0];
      axe.run(document, { resultTypes: ["violations"] })
        .then((r) => done(r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }))))
        .catch((e) => done([{ id: "axe failed", impact: "critical", nodes: [String(e)] }]));`,
    args: [],
  });
  return found;
}

const screens = [
  { name: "board", open: "[data-testid=view-board]", ready: "return document.querySelector('[data-testid=board]')" },
  { name: "lead", open: "[data-testid=lead-card]", ready: "return document.querySelector('[data-testid=lead-panel]')" },
  { name: "leads", open: "[data-testid=view-list]", ready: "return document.querySelectorAll('[data-testid=list-row]').length > 0" },
  { name: "followups", open: "[data-testid=view-followups]", ready: "return document.querySelector('[data-testid=list-total]')" },
  { name: "calls", open: "[data-testid=view-calls]", ready: "return document.querySelectorAll('[data-testid=call-row]').length > 0" },
  { name: "settings", open: "[data-testid=open-settings]", ready: "return document.querySelector('[data-testid=settings]')" },
];

for (const screen of screens) {
  test(`the ${screen.name} screen: light and dark, no serious accessibility violation`, async () => {
    await session.exec("document.querySelector('[data-testid=settings] .close')?.click(); document.querySelector('.panel .close')?.click();");
    await session.click(await session.find(screen.open));
    await session.waitFor(screen.ready, screen.name);
    for (const theme of ["light", "dark"]) {
      await session.exec(`document.documentElement.dataset.theme = "${theme}"`);
      writeFileSync(join(out, `screen-${screen.name}-${theme}.png`), await session.screenshot());
      assert.deepEqual(await violations(), [], `${screen.name} (${theme})`);
    }
  });
}
