// Opens a local HTML file in Debian's Chromium (headless, through playwright-core), the way a
// client opens the audit report: records every request the page makes beyond the file itself,
// takes a screenshot, and prints {"requests": [...], "text": "...", "title": "..."} as JSON.
//
// Usage: node render.mjs FILE.html SCREENSHOT.png      (env CHROMIUM: the browser binary)
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [file, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let code = 0;
try {
  const page = await (await browser.newContext()).newPage();
  const url = pathToFileURL(file).href;
  const requests = [];
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url, { waitUntil: 'load' });
  await page.screenshot({ path: shot, fullPage: true });
  // Print media too: the page must still carry the findings when printed.
  await page.emulateMedia({ media: 'print' });
  const printed = await page.innerText('body');
  process.stdout.write(JSON.stringify({
    requests, title: await page.title(), text: printed,
  }));
} catch (e) {
  process.stderr.write(`render.mjs: ${e}\n`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
