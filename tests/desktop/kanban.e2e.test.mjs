// The real desktop app under Xvfb, driven over WebDriver as an agent uses it: it opens on the
// built-in demo tenant, shows the leads by status, opens a lead with its timeline, and
// searches. Screenshots go to tests/desktop/out/.
//
// Needs: the app built with `--features tauri/custom-protocol` (LEADLINE_APP points to it),
// Xvfb, tauri-driver and WebKitWebDriver.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, appGone, startDriver, startXvfb, stop } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const application = process.env.LEADLINE_APP ?? join(root, "target/debug/leadline-app");
const out = join(root, "tests/desktop/out");
const dataDir = mkdtempSync(join(tmpdir(), "leadline-e2e-"));
let xvfb;
let driver;
let session;

before(async () => {
  mkdirSync(out, { recursive: true });
  xvfb = await startXvfb();
  driver = await startDriver({ ...process.env, DISPLAY: xvfb.display, LEADLINE_DATA_DIR: dataDir });
  session = await Session.create(driver, application);
});

after(async () => {
  await session?.delete();
  stop(driver?.child);
  await appGone();
  stop(xvfb?.child);
  rmSync(dataDir, { recursive: true, force: true });
});

const DEMO_PIPELINE = ["New", "Contacted", "Qualified", "Callback Scheduled", "Proposal Sent", "Negotiation", "Won", "Lost"];

test("opens on the demo tenant and shows its leads by status", async () => {
  await session.waitFor(
    "return document.querySelectorAll('[data-testid=lead-card]').length > 0",
    "lead cards",
  );
  // The phone line's status arrives on its own, after the board or before.
  await session.waitFor("return document.querySelector('[data-testid=phone-status]')", "the phone status");
  const state = await session.exec(`
    const columns = [...document.querySelectorAll('[data-testid=column]')];
    return {
      tenant: document.querySelector('[data-testid=tenant-name]')?.textContent,
      agent: document.querySelector('[data-testid=agent-name]')?.textContent,
      statuses: columns.map((c) => c.dataset.status),
      totals: columns.map((c) => Number(c.querySelector('[data-testid=column-total]').textContent)),
      cards: document.querySelectorAll('[data-testid=lead-card]').length,
      demoBadge: !!document.querySelector('.badge.demo'),
    };`);
  assert.equal(state.tenant, "Northwind Solar (demo)");
  assert.match(state.agent, /Sam Ortega/);
  assert.ok(state.demoBadge);
  assert.deepEqual(state.statuses, DEMO_PIPELINE);
  assert.equal(state.totals.reduce((a, b) => a + b, 0), 400);
  assert.ok(state.cards >= 8 && state.cards <= 400, `cards: ${state.cards}`);
  writeFileSync(join(out, "kanban.png"), await session.screenshot());
});

test("the demo agent's line registers to the demo PBX on start", async () => {
  await session.waitFor(
    "return document.querySelector('[data-testid=phone-status]')?.dataset.state === 'registered'",
    "the demo line registered",
  );
});

test("the demo tenant is served by the app's own tenant server, and the log says so", () => {
  assert.ok(existsSync(join(dataDir, "demo-server", "tenants.sqlite3")), "demo server database");
  const port = Number(readFileSync(join(dataDir, "demo-server", "port"), "utf8"));
  assert.ok(port > 0, `port ${port}`);
  const logs = readdirSync(join(dataDir, "logs"))
    .map((name) => readFileSync(join(dataDir, "logs", name), "utf8"))
    .join("");
  assert.match(logs, new RegExp(`demo tenant server running url=http://127\\.0\\.0\\.1:${port}`));
  assert.match(logs, /sync finished pushed=0 rejected=0 pulled=\d+/);
  assert.doesNotMatch(logs, /leadline-demo|llt_/, "no password or token in the logs");
});

test("opens a lead with its timeline", async () => {
  const card = await session.find("[data-testid=lead-card]");
  const name = await session.exec("return document.querySelector('[data-testid=lead-card] .lead-name').textContent");
  await session.click(card);
  const panel = await session.waitFor(
    "return document.querySelector('[data-testid=lead-panel]')?.textContent",
    "the lead panel",
  );
  assert.ok(panel.includes(name), `panel shows ${name}`);
  writeFileSync(join(out, "lead-panel.png"), await session.screenshot());
});

test("finds leads by accent-insensitive prefix and by phone digits", async () => {
  await session.click(await session.find(".panel .close"));
  const search = await session.find("input[type=search]");
  await session.type(search, "mul");
  const names = await session.waitFor(
    "const r = [...document.querySelectorAll('[data-testid=search-result] .lead-name')].map((e) => e.textContent); return r.length ? r : null",
    "search results",
  );
  assert.ok(names.some((n) => n.includes("Müller")), `results: ${names.slice(0, 5)}`);
  writeFileSync(join(out, "search.png"), await session.screenshot());
});

test("the calling settings take a STUN server, and the core keeps it", async () => {
  await session.click(await session.find("[data-testid=phone-status]"));
  await session.waitFor("return document.querySelector('[data-testid=calling-settings]')", "the calling settings");
  await session.type(await session.find("[data-testid=ice-url]"), "stun:stun.example.com:3478");
  await session.click(await session.find("[data-testid=add-ice] button[type=submit]"));
  const listed = "const t = document.querySelector('[data-testid=ice-servers]')?.textContent; return t && t.includes('stun:stun.example.com:3478') ? t : null";
  await session.waitFor(listed, "the added server");
  writeFileSync(join(out, "calling-settings.png"), await session.screenshot());
  // Closed and opened again: read back from the core.
  await session.click(await session.find("[data-testid=calling-settings] .close"));
  await session.click(await session.find("[data-testid=phone-status]"));
  await session.waitFor(listed, "the server, read again");
});
