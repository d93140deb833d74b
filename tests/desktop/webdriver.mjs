// A minimal W3C WebDriver client over fetch, and the processes a desktop test needs:
// Xvfb (display chosen by -displayfd) and tauri-driver. Every process started here is
// ended here, by its own process group.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { grabPng } from "./xshot.mjs";

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function started(child, name) {
  child.on("error", (err) => console.error(`${name}: ${err.message}`));
  return child;
}

export function stop(child) {
  if (child && child.exitCode === null && child.pid) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

/** Waits (up to 15 s) until no `leadline-app` runs: the app lets only one instance run, so
 * the next test's app would hand over to a closing one and exit. */
export async function appGone() {
  const { readdirSync, readFileSync } = await import("node:fs");
  const running = () =>
    readdirSync("/proc").some((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        return readFileSync(`/proc/${p}/comm`, "utf8").startsWith("leadline-app");
      } catch {
        return false;
      }
    });
  const deadline = Date.now() + 15000;
  while (running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

export async function startXvfb() {
  const child = started(
    spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
      stdio: ["ignore", "ignore", "inherit", "pipe"],
      detached: true,
    }),
    "Xvfb",
  );
  const display = await new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("Xvfb did not report a display")), 15000);
    child.stdio[3].on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    child.on("exit", (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  return { child, display };
}

/** tauri-driver, starting the app with `env` (its `DISPLAY` is where screenshots are taken). */
export async function startDriver(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const child = started(
    spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    }),
    "tauri-driver",
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) return { child, url, display: env.DISPLAY };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  stop(child);
  throw new Error("tauri-driver did not start");
}

export class Session {
  /** A session with `application` through the driver `startDriver` started. */
  static async create(driver, application) {
    const url = driver.url;
    const res = await fetch(`${url}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application } } },
      }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`session: ${JSON.stringify(body)}`);
    return new Session(url, body.value.sessionId, driver.display);
  }

  constructor(url, id, display) {
    this.base = `${url}/session/${id}`;
    this.display = display;
  }

  async call(method, path, body) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  }

  /** Runs a function body in the page and returns its result. */
  exec(script, args = []) {
    return this.call("POST", "/execute/sync", { script, args });
  }

  async waitFor(script, what, timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        last = await this.exec(script);
        if (last) return last;
      } catch (err) {
        // The page is between two documents (loading): ask again.
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
  }

  async find(css) {
    const el = await this.call("POST", "/element", { using: "css selector", value: css });
    return Object.values(el)[0];
  }

  click(element) {
    return this.call("POST", `/element/${element}/click`, {});
  }

  type(element, text) {
    return this.call("POST", `/element/${element}/value`, { text });
  }

  async screenshot() {
    // Two animation frames, so what was just rendered is painted.
    await this.call("POST", "/execute/async", {
      script: "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
      args: [],
    });
    // The window's pixels as the X server shows them: WebKit's own snapshot (WebDriver's
    // screenshot) never returns for some pages under the software compositing the app uses
    // (WebKitGTK 2.50: every time with the calling settings open).
    const rect = await this.call("GET", "/window/rect");
    return grabPng(this.display, rect);
  }

  delete() {
    return fetch(this.base, { method: "DELETE" }).catch(() => undefined);
  }
}
