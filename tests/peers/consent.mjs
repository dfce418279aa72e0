// The person at the browser: opens the authorization URL in Debian's Chromium (headless, through
// playwright-core), signs in on oidc-provider's development login page, then allows or cancels
// on its consent page, and follows the redirect to oauth1to2's loopback page.
//
// oauth1to2 runs this as its browser: BROWSER="node tests/peers/consent.mjs" (the URL is appended).
//   CONSENT_ACTION      approve (default) or deny (clicks [ Cancel ])
//   CONSENT_RESULT      write {"url", "title", "text", "html"} of the final page here (JSON)
//   CONSENT_SCREENSHOT  save a PNG of the final page here
//   CONSENT_BLOCK_CALLBACK=1  do not let the browser reach the loopback listener; put the
//                       redirect URL in CONSENT_RESULT instead (the user who pastes it over SSH)
//   CHROMIUM            the browser binary (default /usr/bin/chromium)
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const url = process.argv[process.argv.length - 1];
const action = process.env.CONSENT_ACTION || 'approve';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    // To block the callback, send plain-http requests (only the loopback listener uses http) to
    // a proxy port the test holds that refuses every connection (CONSENT_BLOCK_CALLBACK is the
    // port); loopback is not bypassed, the https provider is reached directly.
    ...(process.env.CONSENT_BLOCK_CALLBACK
      ? [`--proxy-server=http=127.0.0.1:${process.env.CONSENT_BLOCK_CALLBACK}`, '--proxy-bypass-list=<-loopback>'] : [])],
});
let code = 0;
let page = null;
try {
  // The provider's certificate comes from the test's own throwaway CA.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  page = await context.newPage();
  // Fonts from the internet cannot load here; do not wait for them.
  await page.route(/fonts\.googleapis\.com/, (r) => r.abort());
  let blocked = null;
  if (process.env.CONSENT_BLOCK_CALLBACK) {
    // Redirects are not routed, so the request is only watched here; the proxy set at launch
    // makes it fail, as if the browser were on another machine.
    page.on('request', (r) => { if (/\/callback\?/.test(r.url()) && blocked === null) blocked = r.url(); });
  }
  await page.goto(url);
  await page.fill('input[name=login]', 'consultant');
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  await page.waitForSelector('button[type=submit]');
  const landed = blocked === null && !process.env.CONSENT_BLOCK_CALLBACK
    ? page.waitForURL(/\/callback\?/, { timeout: 30000 }) : null;
  if (action === 'deny') {
    await page.click('a[href*="/abort"]');
  } else {
    await page.click('button[type=submit]');
  }
  if (process.env.CONSENT_BLOCK_CALLBACK) {
    for (let i = 0; i < 300 && blocked === null; i += 1) await new Promise((r) => setTimeout(r, 100));
    fs.writeFileSync(process.env.CONSENT_RESULT, JSON.stringify({ url: blocked }));
    await browser.close();
    process.exit(blocked ? 0 : 1);
  }
  await landed;
  await page.waitForLoadState('load');
  if (process.env.CONSENT_SCREENSHOT) await page.screenshot({ path: process.env.CONSENT_SCREENSHOT });
  if (process.env.CONSENT_RESULT) {
    fs.writeFileSync(process.env.CONSENT_RESULT, JSON.stringify({
      url: page.url(), title: await page.title(), text: await page.innerText('body'), html: await page.content(),
    }));
  }
} catch (e) {
  process.stderr.write(`consent.mjs: ${e}\n`);
  // Say where the person was stuck: the page's address and what it said.
  if (page) {
    const text = await page.innerText('body').catch(() => '');
    process.stderr.write(`consent.mjs: stuck at ${page.url()}\n${text.slice(0, 2000)}\n`);
  }
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
