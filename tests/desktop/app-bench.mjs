// What the desktop app costs, measured on the real app under Xvfb (run by scripts/bench.sh,
// figures in docs/benchmarks.md): cold start to an interactive board (a new profile, which
// seeds the demo, and a known one), the resident memory of all its processes (WebKit's
// included) as PSS, idle and during a call on the demo line, the first paint of a board of
// 10,000 leads after a reload, and the time from the demo PBX's INVITE to the screen pop.
//
// LEADLINE_APP: the app (a release build); LEADLINE_DEMO_LEADS sizes the demo tenant.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, appGone, startDriver, startXvfb, stop } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const application = process.env.LEADLINE_APP ?? join(root, "target/release/leadline-app");

/** Every process under `pid`, itself included. */
function tree(pid) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // gone
    }
  }
  const all = [];
  const walk = (p) => {
    all.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return all;
}

function name(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/** PSS of a process in MiB. */
function pss(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** The app's processes (found under the driver) and their PSS, by name. */
function memory(driverPid) {
  const app = tree(driverPid).find((p) => name(p).startsWith("leadline-app"));
  if (!app) return null;
  const parts = {};
  for (const p of tree(app)) {
    const n = name(p);
    parts[n] = (parts[n] ?? 0) + pss(p);
  }
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { total, parts };
}

const mib = (n) => `${n.toFixed(1)} MiB`;

async function launch(dataDir, extraEnv = {}) {
  const xvfb = await startXvfb();
  const driver = await startDriver({ ...process.env, ...extraEnv, DISPLAY: xvfb.display, LEADLINE_DATA_DIR: dataDir });
  const started = performance.now();
  const session = await Session.create(driver, application);
  await session.waitFor("return document.querySelectorAll('[data-testid=lead-card]').length > 0", "the board", 120000);
  const ms = performance.now() - started;
  return { xvfb, driver, session, ms };
}

async function close({ xvfb, driver, session }) {
  await session.delete();
  stop(driver.child);
  await appGone();
  stop(xvfb.child);
}

const rows = [];
const report = (what, value) => {
  rows.push([what, value]);
  console.log(`${what}: ${value}`);
};

// Cold start on a new profile (the demo is seeded) and on the same profile again.
const dataDir = mkdtempSync(join(tmpdir(), "leadline-bench-"));
try {
  let app = await launch(dataDir);
  report("cold start to an interactive board, new profile (seeds the demo's 400 leads)", `${app.ms.toFixed(0)} ms`);
  await close(app);
  app = await launch(dataDir);
  report("cold start to an interactive board, known profile", `${app.ms.toFixed(0)} ms`);
  await app.session.waitFor("return document.querySelector('[data-testid=phone-status]')?.dataset.state === 'registered'", "the line");
  await new Promise((r) => setTimeout(r, 5000));
  const idle = memory(app.driver.child.pid);
  report("memory idle on the board (PSS, all processes)", `${mib(idle.total)} — ${Object.entries(idle.parts).map(([n, v]) => `${n} ${mib(v)}`).join(", ")}`);

  // A call on the demo line.
  await app.session.click(await app.session.find("[data-testid=lead-card]"));
  await app.session.waitFor("return document.querySelector('[data-testid=call-lead]')", "call button");
  await app.session.click(await app.session.find("[data-testid=call-lead]"));
  await app.session.waitFor("const t = document.querySelector('[data-testid=call-state]')?.textContent; return t && /^\\d+:\\d\\d$/.test(t)", "answered", 20000);
  await new Promise((r) => setTimeout(r, 8000));
  const inCall = memory(app.driver.child.pid);
  report("memory during a call (PSS, all processes)", `${mib(inCall.total)} — ${Object.entries(inCall.parts).map(([n, v]) => `${n} ${mib(v)}`).join(", ")}`);
  await app.session.click(await app.session.find("[data-testid=hangup]"));
  await app.session.waitFor("return document.querySelector('dialog.wrapup[open]')", "wrap-up");
  await app.session.click(await app.session.find("[data-testid=save-wrapup]"));
  await app.session.waitFor("return !document.querySelector('dialog.wrapup[open]')", "wrapped up");

  // INVITE to screen pop: the demo PBX logs when it sends the INVITE; the page notes when
  // the incoming card is painted.
  const pops = [];
  for (let i = 0; i < 5; i++) {
    await app.session.exec(`
      window.__pop = null;
      const seen = new MutationObserver(() => {
        if (document.querySelector('[data-testid=incoming-call]') && window.__pop === null) {
          window.__pop = 0;
          requestAnimationFrame(() => requestAnimationFrame(() => { window.__pop = Date.now(); }));
          seen.disconnect();
        }
      });
      seen.observe(document.body, { childList: true, subtree: true });`);
    await app.session.click(await app.session.find("[data-testid=call-me]"));
    const painted = await app.session.waitFor("return window.__pop || null", "the screen pop");
    const logs = readdirSync(join(dataDir, "logs")).map((f) => readFileSync(join(dataDir, "logs", f), "utf8")).join("");
    const sent = [...logs.matchAll(/^\S*?(\d{4}-\d\d-\d\dT[\d:.]+Z)\S*\s+\S*INFO\S*\s+\S*leadline_sip::demo_pbx\S*: the demo line calls the agent/gm)].at(-1);
    if (sent) pops.push(painted - Date.parse(sent[1]));
    await app.session.click(await app.session.find("[data-testid=incoming-call] .reject"));
    await app.session.waitFor("return !document.querySelector('[data-testid=incoming-call]')", "rejected");
    await new Promise((r) => setTimeout(r, 500));
  }
  pops.sort((a, b) => a - b);
  report("incoming INVITE to the screen pop painted (5 calls)", pops.length ? `median ${pops[Math.floor(pops.length / 2)].toFixed(0)} ms, worst ${pops.at(-1).toFixed(0)} ms` : "not measured");
  await close(app);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

// A board of 10,000 leads: first paint after a reload of the window.
const bigDir = mkdtempSync(join(tmpdir(), "leadline-bench-10k-"));
try {
  const app = await launch(bigDir, { LEADLINE_DEMO_LEADS: "10000" });
  const totals = await app.session.exec("return [...document.querySelectorAll('[data-testid=column-total]')].reduce((a, e) => a + Number(e.textContent), 0)");
  const paints = [];
  for (let i = 0; i < 5; i++) {
    await app.session.exec("location.reload()");
    const at = await app.session.waitFor(
      "return document.querySelectorAll('[data-testid=lead-card]').length > 0 ? performance.now() : null",
      "the board after a reload",
    );
    paints.push(at);
  }
  paints.sort((a, b) => a - b);
  report(`first paint of the board after a reload (${totals} leads, 5 reloads)`, `median ${paints[2].toFixed(0)} ms, worst ${paints[4].toFixed(0)} ms`);
  const listStart = await app.session.exec("const t = performance.now(); document.querySelector('[data-testid=view-list]').click(); return t;");
  const listAt = await app.session.waitFor("return document.querySelectorAll('[data-testid=list-row]').length > 0 ? performance.now() : null", "the list");
  report("the lead list of 10,000 leads drawn after its tab is clicked", `${(listAt - listStart).toFixed(0)} ms`);
  const big = memory(app.driver.child.pid);
  report("memory with 10,000 leads on the board (PSS, all processes)", mib(big.total));
  await close(app);
} finally {
  rmSync(bigDir, { recursive: true, force: true });
}

console.log("\n| The desktop app | |\n|---|---|");
for (const [what, value] of rows) console.log(`| ${what} | ${value} |`);
