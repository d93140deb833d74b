// Runs the JsSIP test phone (phone.js) in headless Chromium. Events come out as JSON lines on
// stdout; commands go in as JSON lines on stdin ({"cmd":"dial","target":"sip:…"}, "answer",
// "hangup", "hold", "unhold", "dtmf", "heard"). Closing stdin closes the browser.
//   node driver.mjs --ws-url ws://127.0.0.1:8080 --user 2002 --password P --domain D --tone 440 [--auto-answer] [--devices]
// --devices: the microphone and speaker are the system's (PulseAudio's defaults) instead of a
// WebAudio tone and a muted element, as a browser softphone on an agent's desk.
import { chromium } from 'playwright-core';
import * as esbuild from 'esbuild';
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const config = {
  wsUrl: flag('ws-url'),
  user: flag('user'),
  password: flag('password'),
  domain: flag('domain'),
  tone: Number(flag('tone') || 440),
  autoAnswer: argv.includes('--auto-answer'),
  devices: argv.includes('--devices'),
};
const out = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

const bundle = await esbuild.build({
  entryPoints: [join(here, 'phone.js')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  write: false,
  logLevel: 'error',
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
    // Host candidates as addresses, not mDNS names (nothing resolves .local here).
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    // The microphone without a permission prompt (on the system's devices with --devices).
    '--use-fake-ui-for-media-stream',
  ],
});
const page = await browser.newPage();
page.on('console', (message) => process.stderr.write(`[page] ${message.text()}\n`));
page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
await page.exposeFunction('leadlineEmit', out);
const html = '<!doctype html><title>JsSIP test phone</title>';
if (config.devices) {
  // getUserMedia needs a secure context: the page comes from a server of this driver's on
  // loopback (like the PBX, so Chromium's local network access checks let it connect).
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
} else {
  await page.setContent(html);
}
await page.addScriptTag({ content: bundle.outputFiles[0].text });
await page.evaluate((c) => window.startPhone(c), config);

const commands = createInterface({ input: process.stdin });
commands.on('line', async (line) => {
  if (!line.trim()) return;
  try {
    await page.evaluate((c) => window.phoneCommand(c), JSON.parse(line));
  } catch (error) {
    out({ event: 'error', message: String(error) });
  }
});
commands.on('close', async () => {
  await browser.close();
  process.exit(0);
});
