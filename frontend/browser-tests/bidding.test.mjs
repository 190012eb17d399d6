// The whole life of a round in three browsers against the real `fapai` (SQLite, manual clock): two bidders
// sign up, register and pay the deposit; they bid against each other while an anonymous visitor watches;
// the server is killed mid-round and every page recovers without a gap; a bid in the last five minutes
// extends the round on every screen; after the end the buyer pays the balance and opens the confirmation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  DESKTOP,
  FRONTEND,
  PHONE,
  Server,
  amountOf,
  idNumber,
  launchBrowser,
  newPage as sharedNewPage,
  publishedRound,
  screenshot,
  seriousViolations,
} from './support.mjs';

const PASSWORD = 'bidder-password';
let server;
let browser;
let round;
const people = {
  a: { name: '陈爱丽', email: `chen.${Date.now()}@browser.test`, id: idNumber() },
  b: { name: '刘建国', email: `liu.${Date.now()}@browser.test`, id: idNumber() },
};
let pageA;
let pageB;
let pageC;

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
  round = await publishedRound(server);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const newPage = (viewport) => sharedNewPage(browser, viewport);

const text = async (page, testId) => (await page.getByTestId(testId).textContent())?.trim() ?? '';

async function expectText(page, testId, predicate, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = await text(page, testId).catch(() => '');
    if (predicate(last)) return last;
    await page.waitForTimeout(50);
  }
  assert.fail(`${what}: ${testId} is "${last}"`);
}

async function signUp(page, person) {
  await page.goto(`${server.url}/signup`);
  await page.getByLabel('邮箱').fill(person.email);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByLabel('真实姓名').fill(person.name);
  await page.getByLabel('身份证号').fill(person.id);
  await page.getByLabel('手机号').fill('13800138000');
  await page.getByRole('button', { name: '注册' }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();
}

async function registerAndPay(page) {
  await page.goto(`${server.url}/auctions/${round.id}`);
  await page.getByRole('button', { name: '报名参拍' }).click();
  const dialog = page.getByRole('dialog', { name: '报名参拍' });
  await dialog.getByRole('checkbox', { name: '我已阅读并同意竞买须知和特别提示' }).check();
  // The flat is housing: the dialog says that registering commits to the purchase qualification (R32).
  await dialog.getByTestId('housing-commitment').filter({ hasText: '购房资格' }).waitFor();
  await dialog.getByRole('button', { name: '确认报名' }).click();
  await dialog.getByRole('button', { name: '支付保证金' }).click();
  await page.getByRole('heading', { name: '沙盒支付网关' }).waitFor();
  await page.getByRole('button', { name: '确认支付（沙盒）' }).click();
  await page.waitForURL(`**/auctions/${round.id}`);
  const code = await expectText(page, 'bidder-code', (t) => /^[A-Z0-9]+$/.test(t), 'a bidder code after paying');
  await expectText(page, 'my-status', (t) => t === '未出价', 'no bid yet');
  return code;
}

async function bid(page, amount) {
  // The steppers' accessible names begin with what they show (label in name, WCAG 2.5.3).
  for (const [glyph, words] of [['−', '减少一个加价幅度'], ['+', '增加一个加价幅度']]) {
    const stepper = page.getByRole('button', { name: `${glyph} ${words}`, exact: true });
    assert.equal((await stepper.innerText()).trim(), glyph);
  }
  if (amount) await page.getByLabel('出价金额').fill(amount);
  await page.getByRole('button', { name: '出价', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: '确认出价' }).getByRole('button', { name: '确认出价' });
  await confirm.waitFor();
  return confirm;
}

test('the web app: sign up, register, bid live, recover from a restart, extend, win and pay', async (t) => {
  pageA = await newPage(DESKTOP);
  pageB = await newPage(PHONE);
  pageC = await newPage(DESKTOP);
  let codeA;
  let codeB;
  // Each step builds on the one before: after a failure the rest are skipped, not failed again.
  let failed = false;
  const step = (name, fn) =>
    t.test(name, { skip: failed && 'an earlier step failed' }, async () => {
      try {
        await fn();
      } catch (error) {
        failed = true;
        throw error;
      }
    });

  await step('two bidders sign up with the ID check, register and pay the deposit in the sandbox', async () => {
    await pageA.goto(`${server.url}/signup`);
    await pageA.getByLabel('身份证号').fill('110105194912310021');
    await pageA.getByLabel('手机号').focus();
    await pageA.getByText('校验位不符').waitFor();
    await signUp(pageA, people.a);
    await signUp(pageB, people.b);
    codeA = await registerAndPay(pageA);
    codeB = await registerAndPay(pageB);
    assert.notEqual(codeA, codeB);
    assert.equal(await text(pageA, 'round-status'), '即将开始');
  });

  await step('bidding opens on every screen, the anonymous visitor included', async () => {
    await pageC.goto(`${server.url}/auctions/${round.id}`);
    await server.setClock(round.bidding_starts_at);
    for (const page of [pageA, pageB, pageC]) await expectText(page, 'round-status', (s) => s === '正在进行', 'open');
    assert.equal(amountOf(await text(pageA, 'minimum-next-bid')), '700000.00');
    assert.equal(await pageA.getByLabel('出价金额').inputValue(), '700,000.00');
  });

  await step("A's bid reaches B's screen within 500 ms", async () => {
    // The first bid is at the starting price, so the price box reads the same: watch the bid record.
    await pageB.evaluate(() => {
      const el = document.querySelector('[data-testid="bid-record"] tbody');
      window.__priceChangedAt = null;
      new MutationObserver(() => {
        window.__priceChangedAt ??= Date.now();
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    const confirm = await bid(pageA);
    assert.match((await pageA.getByRole('dialog').textContent()) ?? '', /柒拾万元整/);
    const clickedAt = Date.now();
    await confirm.click();
    await pageB.waitForFunction(() => window.__priceChangedAt !== null, null, { timeout: 5000 });
    const latency = (await pageB.evaluate(() => window.__priceChangedAt)) - clickedAt;
    console.log(`bid-to-watcher latency in the browser: ${latency} ms`);
    assert.ok(latency < 500, `B saw A's bid after ${latency} ms`);
    assert.equal(amountOf(await text(pageB, 'current-price')), '700000.00');
    await expectText(pageA, 'my-status', (s) => s === '领先', 'A leads');
    assert.equal(await text(pageB, 'my-status'), '未出价');
    assert.match(await text(pageB, 'bid-record'), new RegExp(`领先\\s*${codeA}`));
  });

  await step('B outbids: A is 出局, B 领先, and the visitor sees only codes', async () => {
    const confirm = await bid(pageB, '701000');
    await confirm.click();
    await expectText(pageA, 'my-status', (s) => s === '出局', 'A outbid');
    await expectText(pageB, 'my-status', (s) => s === '领先', 'B leads');
    await expectText(pageC, 'current-price', (s) => amountOf(s) === '701000.00', 'the visitor sees the price');
    const visitor = (await pageC.textContent('body')) ?? '';
    assert.ok(!visitor.includes(people.a.name) && !visitor.includes(people.b.name), 'no names before the end');
    assert.ok(visitor.includes(codeA) && visitor.includes(codeB));
    await pageA.getByRole('alert').filter({ hasText: '你已被超越' }).waitFor();
  });

  await step('a killed and restarted server: every page says it is offline, then recovers without a gap', async () => {
    const clock = await server.now();
    await server.kill();
    for (const page of [pageA, pageB, pageC]) await page.getByText('连接中断，正在重连…').first().waitFor({ timeout: 10_000 });
    await server.restart();
    await server.setClock(clock);
    // A bid the pages did not see live: they must catch up on it when they reconnect.
    const tokenA = await server.login(people.a.email, PASSWORD);
    await server.api('POST', `/api/auctions/${round.id}/bids`, {
      token: tokenA,
      body: { amount: '702000', request_id: crypto.randomUUID() },
    });
    for (const page of [pageA, pageB, pageC]) {
      await expectText(page, 'current-price', (s) => amountOf(s) === '702000.00', 'the price after reconnecting', 20_000);
      await page.getByText('连接中断，正在重连…').waitFor({ state: 'detached', timeout: 20_000 });
      const rows = await page.getByTestId('bid-record').locator('tbody tr').allTextContents();
      assert.deepEqual(
        rows.map((row) => amountOf(row.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/, '').replace(/^[^¥]*/, ''))),
        ['702000.00', '701000.00', '700000.00'],
        'every bid once, newest first',
      );
    }
    await expectText(pageB, 'my-status', (s) => s === '出局', 'B outbid by the caught-up bid');
  });

  await step('a bid in the last five minutes extends the round on every screen', async () => {
    const ends = Date.parse(round.bidding_ends_at);
    await server.setClock(new Date(ends - 120_000).toISOString());
    const confirm = await bid(pageB, '703000');
    await confirm.click();
    for (const page of [pageA, pageB, pageC]) {
      await expectText(page, 'extension-count', (s) => s.includes('延时 1 次'), 'one extension');
    }
    await pageC.getByText(/已延时：新结束时间/).waitFor();
    await screenshot(pageA, 'item-bidding-desktop');
    await screenshot(pageB, 'item-bidding-phone');
  });

  let dealPath;
  await step('the clock passes the end: B 竞得, A 未竞得, and the visitor sees the buyer by name', async () => {
    const auction = await server.api('GET', `/api/auctions/${round.id}`);
    await server.setClock(new Date(Date.parse(auction.bidding_ends_at) + 1000).toISOString());
    for (const page of [pageA, pageB, pageC]) await expectText(page, 'round-status', (s) => s === '已成交', 'sold');
    await expectText(pageB, 'my-status', (s) => s === '竞得', 'B won');
    await expectText(pageA, 'my-status', (s) => s === '未竞得', 'A lost');
    await pageC.getByText(`竞得人：${codeB}（${people.b.name}）`).waitFor();
    await pageB.getByRole('link', { name: '查看我的成交' }).waitFor();
    dealPath = await pageB.getByRole('link', { name: '查看我的成交' }).getAttribute('href');
  });

  await step('the buyer finds the deal under 我的拍卖, pays the balance and opens the confirmation', async () => {
    await pageB.getByRole('link', { name: '我的拍卖' }).click();
    await pageB.getByRole('link', { name: '查看' }).first().click();
    await pageB.waitForURL(`**${dealPath}`);
    await expectText(pageB, 'deal-status', (s) => s === '待付尾款', 'awaiting the balance');
    assert.equal(amountOf(await text(pageB, 'deal-balance')), '633000.00', '¥703,000 less the ¥70,000 deposit');
    await pageB.getByRole('button', { name: '支付尾款' }).click();
    await pageB.getByRole('button', { name: '确认支付（沙盒）' }).click();
    await pageB.waitForURL(`**${dealPath}`);
    await expectText(pageB, 'deal-status', (s) => s === '已付款', 'paid');
    await pageB.getByRole('link', { name: '成交确认书' }).click();
    await pageB.getByText(people.b.name).first().waitFor();
  });

  await step('the round ledger verifies in the browser', async () => {
    const ledger = await server.api('GET', `/api/auctions/${round.id}/ledger`);
    await expectText(pageC, 'ledger-verified', (s) => s.includes('已验证') && s.includes(ledger.head), 'verified');
  });
});

test('the main pages: no serious accessibility violation, a phone and a desktop screenshot each', async () => {
  const pages = [
    ['home', '/'],
    ['item', `/auctions/${round.id}`],
    ['signup', '/signup'],
    ['login', '/login'],
    ['not-found', '/no/such/page'],
  ];
  for (const [viewport, size] of [
    [DESKTOP, 'desktop'],
    [PHONE, 'phone'],
  ]) {
    const page = await newPage(viewport);
    for (const [name, path] of pages) {
      await page.goto(`${server.url}${path}`);
      await page.waitForLoadState('networkidle');
      await screenshot(page, `${name}-${size}`);
      assert.deepEqual(await seriousViolations(page), [], `${name} (${size})`);
    }
    await page.context().close();
  }
  // Signed in: my account, the deal and the registration dialog of a fresh round.
  for (const [page, size] of [
    [pageB, 'phone'],
    [pageA, 'desktop'],
  ]) {
    await page.goto(`${server.url}/me`);
    await page.getByRole('heading', { name: '我的报名' }).waitFor();
    await page.waitForLoadState('networkidle');
    await screenshot(page, `account-${size}`);
    assert.deepEqual(await seriousViolations(page), [], `account (${size})`);
  }
  await pageB.goto(`${server.url}/me`);
  await pageB.getByRole('link', { name: '查看' }).first().click();
  await pageB.getByTestId('deal-status').waitFor();
  await screenshot(pageB, 'deal-phone');
  assert.deepEqual(await seriousViolations(pageB), [], 'deal');

  const second = await publishedRound(server);
  await pageA.goto(`${server.url}/auctions/${second.id}`);
  await pageA.getByRole('button', { name: '报名参拍' }).click();
  await pageA.getByRole('dialog').waitFor();
  await screenshot(pageA, 'registration-desktop');
  assert.deepEqual(await seriousViolations(pageA), [], 'registration dialog');
});

test('the item page loads at most 80 KB of JavaScript (gzip)', async () => {
  const page = await newPage(DESKTOP);
  const scripts = new Set();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.endsWith('.js')) scripts.add(url.pathname);
  });
  await page.goto(`${server.url}/auctions/${round.id}`);
  await page.getByTestId('current-price').waitFor();
  await page.waitForLoadState('networkidle');
  let total = 0;
  for (const path of scripts) total += gzipSync(readFileSync(join(FRONTEND, 'build', path))).length;
  console.log(`item page JavaScript: ${scripts.size} files, ${(total / 1024).toFixed(1)} KB gzip`);
  assert.ok(scripts.size > 0);
  assert.ok(total <= 80 * 1024, `${total} bytes`);
  await page.context().close();
});
