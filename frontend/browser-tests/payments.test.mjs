// Paying through Alipay's protocol in the browser (issue 20): the platform runs with FAPAI_PAYMENTS=alipay
// against `fapai alipay-simulator`, a local stand-in for Alipay's gateway, with keys made here by Node's
// own crypto (not the platform's). A bidder on a phone registers, is sent to the cashier page with a signed
// H5 request, confirms there, and comes back with the deposit frozen and a bidder code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  DESKTOP,
  PHONE,
  Server,
  launchBrowser,
  layout,
  newBidder,
  newPage,
  openAs,
  publishedRound,
  screenshot,
  seriousViolations,
  serverBinary,
  signIn,
} from './support.mjs';

const APP_ID = '2021000000000001';

/** A port free now, for a server whose public address must be known before it starts. */
async function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function rsaKeys() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** `fapai alipay-simulator` on a free port; resolves with its gateway address. */
function startSimulator(keysDir) {
  const child = spawn(
    serverBinary(),
    ['alipay-simulator', '--app-id', APP_ID, '--app-public-key', join(keysDir, 'app.pub.pem'), '--key', join(keysDir, 'alipay.pem')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const gateway = new Promise((resolveGateway, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulator did not start:\n${log}`)), 30_000);
    const read = (chunk) => {
      log += chunk.toString();
      const match = log.match(/gateway: (http:\/\/127\.0\.0\.1:\d+\/gateway\.do)/);
      if (match) {
        clearTimeout(timer);
        resolveGateway(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`the simulator exited (${code}):\n${log}`)));
  });
  return { child, gateway };
}

/** The platform paying through the simulator. */
class AlipayServer extends Server {
  constructor(settings) {
    super();
    this.settings = settings;
  }

  env() {
    return { ...super.env(), ...this.settings, FAPAI_PUBLIC_URL: `http://127.0.0.1:${this.port}` };
  }
}

let keysDir;
let simulator;
let server;
let browser;
let round;

before(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'fapai-alipay-'));
  const app = rsaKeys();
  const alipay = rsaKeys();
  writeFileSync(join(keysDir, 'app.pem'), app.privateKey);
  writeFileSync(join(keysDir, 'app.pub.pem'), app.publicKey);
  writeFileSync(join(keysDir, 'alipay.pem'), alipay.privateKey);
  writeFileSync(join(keysDir, 'alipay.pub.pem'), alipay.publicKey);
  simulator = startSimulator(keysDir);
  const gateway = await simulator.gateway;
  server = new AlipayServer({
    FAPAI_PAYMENTS: 'alipay',
    FAPAI_ALIPAY_GATEWAY_URL: gateway,
    FAPAI_ALIPAY_APP_ID: APP_ID,
    FAPAI_ALIPAY_APP_PRIVATE_KEY_FILE: join(keysDir, 'app.pem'),
    FAPAI_ALIPAY_PUBLIC_KEY_FILE: join(keysDir, 'alipay.pub.pem'),
  });
  server.port = await freePort();
  await server.start();
  browser = await launchBrowser();
  round = await publishedRound(server);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  simulator?.child.kill('SIGKILL');
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
});

test("a bidder on a phone pays the deposit on Alipay's cashier page and comes back registered", async () => {
  const bidder = await newBidder(server, '孙支付');
  const page = await newPage(browser, PHONE);
  await openAs(page, server, bidder, `/auctions/${round.id}`);
  await page.getByRole('button', { name: '报名参拍' }).click();
  const dialog = page.getByRole('dialog', { name: '报名参拍' });
  await dialog.getByRole('checkbox', { name: '我已阅读并同意竞买须知和特别提示' }).check();
  await dialog.getByRole('button', { name: '确认报名' }).click();
  await dialog.getByRole('button', { name: '支付保证金' }).click();

  // The platform's own page says where the payer goes, and no sandbox is in sight.
  const toAlipay = page.getByRole('button', { name: '前往支付宝付款' });
  await toAlipay.waitFor();
  assert.equal(await page.getByText('沙盒支付网关').count(), 0);
  const box = await layout(page, toAlipay);
  assert.ok(box.scroll <= box.inner, `the payment page scrolls sideways: ${box.scroll} > ${box.inner}`);
  assert.deepEqual(await seriousViolations(page), [], 'axe-core on the payment page');
  await screenshot(page, 'pay-alipay-phone');

  // Sent to the cashier page with the signed H5 request.
  await toAlipay.click();
  await page.waitForURL((url) => url.href.startsWith((new URL(server.settings.FAPAI_ALIPAY_GATEWAY_URL)).origin));
  assert.match(page.url(), /method=alipay\.trade\.wap\.pay/);
  assert.match(page.url(), /sign=/);
  await page.getByText('¥70000.00').waitFor();
  await screenshot(page, 'alipay-simulator-cashier-phone');

  // Confirmed there: Alipay notifies the platform and sends the payer back, to the round's page.
  await page.getByRole('button', { name: '确认付款' }).click();
  await page.waitForURL(`**/auctions/${round.id}`, { timeout: 20_000 });
  await page.getByTestId('bidder-code').waitFor();
  const code = (await page.getByTestId('bidder-code').innerText()).trim();
  assert.match(code, /^[A-Z0-9]+$/);
  const mine = await server.api('GET', '/api/me/registrations', { token: bidder.token });
  assert.equal(mine.items[0].deposit.status, 'frozen');
  await screenshot(page, 'round-after-alipay-phone');
  await page.context().close();
});

test("the administrator reconciles today's payments with Alipay's books and sees no difference", async () => {
  const page = await newPage(browser, DESKTOP);
  await signIn(page, server, ADMIN);
  const section = page.getByRole('region', { name: '对账' });
  const beijingToday = new Date(Date.parse(await server.now()) + 8 * 3600_000).toISOString().slice(0, 10);
  await section.getByLabel('对账日期').fill(beijingToday);
  await section.getByRole('button', { name: '立即对账' }).click();
  await section.getByText(/订单 [1-9]\d* 笔，退款 \d+ 笔/).waitFor();
  assert.ok(await section.getByText('无差异').first().isVisible());
  assert.deepEqual(await seriousViolations(page), [], 'axe-core on the console with reconciliation');
  await screenshot(page, 'admin-reconciliation-desktop');
  await page.context().close();
});
