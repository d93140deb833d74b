// The softphone in the real desktop app under Xvfb, over WebDriver, on the built-in demo:
// the demo line registers on start; the agent calls a lead from its number (the demo PBX
// answers, its greeting shows on the speaker's meter); hangs up; the wrap-up refuses a disposition that requires notes without them,
// then saves; "call me" makes a demo lead ring the agent with the screen pop naming it; the
// agent answers, hangs up and wraps up. The wrap-ups reach the demo tenant server exactly
// once. Screenshots of each step go to tests/desktop/out/.
//
// Needs what kanban.e2e.test.mjs needs, and python3 (to read the demo server's database).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, appGone, startDriver, startXvfb, stop } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const application = process.env.LEADLINE_APP ?? join(root, "target/debug/leadline-app");
const out = join(root, "tests/desktop/out");
const dataDir = mkdtempSync(join(tmpdir(), "leadline-e2e-phone-"));
const NOTE = `Has a supplier already (e2e ${process.pid})`;
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

/** Rows of the demo tenant server's database for `sql` (one value per row). */
function serverRows(sql) {
  const script = "import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1]); print(json.dumps([r[0] for r in c.execute(sys.argv[2])]))";
  const text = execFileSync("python3", ["-c", script, join(dataDir, "demo-server", "tenants.sqlite3"), sql]);
  return JSON.parse(text.toString());
}

const callState = "return document.querySelector('[data-testid=call-state]')?.textContent ?? null";

async function talkThenHangUp(what) {
  await session.waitFor(`const t = document.querySelector('[data-testid=call-state]')?.textContent; return t && /^\\d+:\\d\\d$/.test(t) ? t : null`, `${what} answered`);
  // The demo line's greeting comes out of our speaker (the call's meter).
  await session.waitFor(
    "const v = Number(document.querySelector('[data-testid=level-speaker]')?.getAttribute('aria-valuenow')); return v > -45 ? v : null",
    `the greeting on our speaker (${what})`,
  );
  writeFileSync(join(out, `${what}.png`), await session.screenshot());
  await session.click(await session.find("[data-testid=hangup]"));
  await session.waitFor("return document.querySelector('dialog.wrapup[open]')", "the wrap-up");
}

test("the demo line registers on start", async () => {
  await session.waitFor(
    "return document.querySelector('[data-testid=phone-status]')?.dataset.state === 'registered'",
    "the demo line registered",
  );
});

test("calls a lead from its number, hangs up, and the wrap-up asks for the notes its disposition requires", async () => {
  await session.click(await session.find("[data-testid=lead-card]"));
  await session.waitFor("return document.querySelector('[data-testid=call-lead]')", "the lead's call button");
  await session.click(await session.find("[data-testid=call-lead]"));
  const first = await session.waitFor(callState, "the call's state");
  assert.match(first, /Calling|Ringing|^\d+:\d\d$/);
  await talkThenHangUp("in-call");
  // A disposition that requires notes: refused without them.
  const needsNotes = await session.exec(`
    const label = [...document.querySelectorAll('dialog.wrapup label.choice')].find((l) => l.textContent.includes('notes required'));
    if (!label) return null;
    label.querySelector('input').click();
    return label.textContent.replace('(notes required)', '').trim();`);
  assert.ok(needsNotes, "the demo has a disposition that requires notes");
  writeFileSync(join(out, "wrap-up.png"), await session.screenshot());
  await session.click(await session.find("[data-testid=save-wrapup]"));
  const problem = await session.waitFor("return document.querySelector('dialog.wrapup .problems')?.textContent", "the refusal");
  assert.match(problem, /needs wrap-up notes/);
  await session.type(await session.find("[data-testid=wrapup-notes]"), NOTE);
  await session.click(await session.find("[data-testid=save-wrapup]"));
  await session.waitFor("return !document.querySelector('dialog.wrapup[open]')", "the wrap-up closed");
});

test("a demo lead calls the agent: the screen pop names it, the agent answers and wraps up", async () => {
  await session.click(await session.find("[data-testid=call-me]"));
  const lead = await session.waitFor("return document.querySelector('[data-testid=screen-pop-lead] .lead-name')?.textContent", "the screen pop");
  const caller = await session.exec("return document.querySelector('[data-testid=caller]').textContent");
  assert.equal(caller, lead, "the caller is the lead the screen pop names");
  writeFileSync(join(out, "incoming.png"), await session.screenshot());
  await session.click(await session.find("[data-testid=answer]"));
  await talkThenHangUp("answered");
  await session.click(await session.find("[data-testid=save-wrapup]"));
  await session.waitFor("return !document.querySelector('dialog.wrapup[open]')", "the wrap-up closed");
});

test("the wrap-ups reach the demo tenant server exactly once", async () => {
  let notes = [];
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    notes = serverRows(`SELECT wrapup_notes FROM calls WHERE wrapup_notes = '${NOTE.replaceAll("'", "''")}'`);
    if (notes.length > 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.deepEqual(notes, [NOTE], "the first call's notes, once");
  // The demo PBX names the calls it places demo-line-…: the one to the agent.
  const inbound = serverRows("SELECT count(*) FROM calls WHERE pbx_call_id LIKE 'demo-line-%' AND direction = 'inbound' AND disposition_id IS NOT NULL");
  assert.deepEqual(inbound, [1], "the answered demo call, wrapped up, once");
});
