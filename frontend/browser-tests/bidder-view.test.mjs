// The bidder's view on a phone and a desktop (contract v1.3, ui-contract additions of 2026-12-02): no sideways
// scroll at 320 and 375 px in either language, the `出价` bar and the confirmation's amount inside the
// viewport, 关注 with its count and reminders, the court's contact, the viewing and the cost estimate that
// follows the live price, /me's watch list, and axe-core finding nothing of any impact.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  Server,
  launchBrowser,
  layout,
  newBidder,
  newPage,
  openAs,
  publishedRoundAndJudge,
  registerAndPayByApi,
  screenshot,
  violations,
} from './support.mjs';

const SMALL_PHONE = { width: 320, height: 640 };
const NAMES = {
  zh: { bid: '出价', confirmTitle: '确认出价', watch: '关注', count: /1 人关注/ },
  en: { bid: 'Bid', confirmTitle: 'Confirm your bid', watch: 'Watch', count: /1 watching/ },
};

let server;
let browser;
let round;
let judge;
let judgeSession;
let onlooker;
let watcher;
let rival;
let second;

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
  ({ round, judge, judgeSession } = await publishedRoundAndJudge(server));
  await server.api('PUT', `/api/listings/${round.listing_id}/buyer-information`, {
    token: judge,
    body: {
      costs: [
        { name: '契税', borne_by: 'buyer', kind: 'percent_of_price', percent: '3' },
        { name: '物业欠费', borne_by: 'buyer', kind: 'fixed', amount: '5432.10' },
        { name: '增值税', borne_by: 'seller', kind: 'percent_of_price', percent: '5.6' },
      ],
      contact: { name: '王法官', phone: '0571-87065432' },
      viewing: { how: '工作日预约看样，请携带身份证。' },
    },
  });
  onlooker = await newBidder(server, '围观人');
  watcher = await newBidder(server, '关注人');
  rival = await newBidder(server, '对手');
  await registerAndPayByApi(server, watcher, round.id);
  rival.code = await registerAndPayByApi(server, rival, round.id);
  second = await newBidder(server, '第二对手');
  second.code = await registerAndPayByApi(server, second, round.id);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = async (locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function waitForText(locator, pattern, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = await text(locator).catch(() => '');
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what}: "${last}"`);
}

test('before bidding: 关注 with its count, the court contact, the viewing and the costs; no sideways scroll', async () => {
  const page = await newPage(browser, PHONE);
  await openAs(page, server, onlooker, `/auctions/${round.id}`);
  const watch = page.getByRole('button', { name: '关注', exact: true });
  await watch.waitFor();
  assert.equal(await watch.getAttribute('aria-pressed'), 'false');
  await watch.click();
  await waitForText(page.getByTestId('watch-count'), /^1 人关注$/, 'one watcher');
  assert.equal(await watch.getAttribute('aria-pressed'), 'true');
  assert.match(await text(page.getByTestId('court-contact')), /王法官.*0571-87065432/);
  assert.match(await text(page.getByTestId('viewing')), /工作日预约看样/);
  const estimate = await text(page.getByTestId('cost-estimate'));
  assert.match(estimate, /契税\s*¥21,000\.00/, estimate);
  assert.match(estimate, /合计\s*¥26,432\.10/, estimate);
  assert.doesNotMatch(estimate, /增值税/, "the seller's tax is not the buyer's");
  const { scroll, inner } = await layout(page);
  assert.ok(scroll <= inner, `scrollWidth ${scroll} > innerWidth ${inner}`);
  assert.deepEqual(await violations(page), [], 'item page before the start (phone)');
  await screenshot(page, 'item-announced-phone');

  // A reload keeps the state; the count is public; /me lists the round.
  await page.reload();
  await waitForText(page.getByTestId('watch-count'), /^1 人关注$/, 'after a reload');
  assert.equal(await page.getByRole('button', { name: '关注', exact: true }).getAttribute('aria-pressed'), 'true');
  await page.goto(`${server.url}/me`);
  await waitForText(page.getByTestId('my-watches'), new RegExp(round.title.slice(0, 8)), 'my watch list');
  assert.deepEqual(await violations(page), [], '/me with a watch list (phone)');
  await page.context().close();
});

for (const [viewport, size] of [
  [PHONE, '375'],
  [SMALL_PHONE, '320'],
]) {
  for (const language of ['zh', 'en']) {
    test(`bidding at ${size} px in ${language}: the 出价 bar and the confirmation fit, the estimate follows the price`, async () => {
      const names = NAMES[language];
      if ((await server.now()) < round.bidding_starts_at) await server.setClock(round.bidding_starts_at);
      const page = await newPage(browser, viewport);
      await openAs(page, server, watcher, `/auctions/${round.id}`, language);
      const bid = page.getByRole('button', { name: names.bid, exact: true });
      await bid.waitFor();
      let shape = await layout(page, bid);
      assert.ok(shape.scroll <= shape.inner, `scrollWidth ${shape.scroll} > innerWidth ${shape.inner}`);
      assert.ok(shape.inside, `${names.bid} at ${JSON.stringify(shape.box)} is outside ${shape.inner}×${shape.height}`);

      // A rival raises the price; the estimate on this screen follows it without a reload.
      const current = await server.api('GET', `/api/auctions/${round.id}`);
      const next = current.minimum_next_bid;
      const raiser = current.leader_code === rival.code ? second : rival;
      await server.api('POST', `/api/auctions/${round.id}/bids`, {
        token: raiser.token,
        body: { amount: next, request_id: crypto.randomUUID() },
      });
      // 3 % of the new price, in fen, rounded half up as the server rounds it.
      const fen = BigInt(next.replace('.', ''));
      const deedTax = (fen * 300n + 5_000n) / 10_000n;
      const shownTax = `¥${Number(deedTax / 100n).toLocaleString('en-US')}.${String(deedTax % 100n).padStart(2, '0')}`;
      await waitForText(page.getByTestId('cost-estimate'), new RegExp(`契税\\s*${shownTax.replace(/[.$]/g, '\\$&')}`), `the deed tax at ${next}`);

      // The confirmation dialog shows the whole amount inside the viewport.
      await bid.click();
      const dialog = page.getByRole('dialog', { name: names.confirmTitle });
      await dialog.waitFor();
      const minimum = (await server.api('GET', `/api/auctions/${round.id}`)).minimum_next_bid;
      const shown = `¥${Number(minimum).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
      const amount = dialog.getByText(shown, { exact: false }).first();
      shape = await layout(page, amount);
      assert.ok(shape.inside, `the amount ${shown} at ${JSON.stringify(shape.box)} is outside the viewport`);
      shape = await layout(page, dialog);
      assert.ok(shape.inside, `the dialog at ${JSON.stringify(shape.box)} is outside the viewport`);
      assert.deepEqual(await violations(page), [], `confirmation dialog (${size}, ${language})`);
      await screenshot(page, `confirm-${size}-${language}`);
      // The page behind the dialog is inert: a click on it does nothing while the dialog is open.
      assert.equal(await page.evaluate(() => document.querySelector('dialog')?.matches(':modal')), true);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.deepEqual(await violations(page), [], `item page while bidding (${size}, ${language})`);
      await screenshot(page, `item-bidding-${size}-${language}`);
      await page.context().close();
    });
  }
}

test('the watcher was reminded once when bidding opened, by email through the outbox', async () => {
  // The server of these tests logs each mail it sends (FAPAI_MAIL=log), with its kind.
  const sent = () => server.log.split('\n').filter((line) => line.includes('email sent') && line.includes('watch_reminder'));
  const deadline = Date.now() + 10_000;
  while (sent().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(sent().length, 1, 'one reminder: the watcher who has not registered, once');
});

test('desktop: the item page holds the same information, axe-clean', async () => {
  const page = await newPage(browser, DESKTOP);
  await page.goto(`${server.url}/auctions/${round.id}`);
  await page.getByTestId('cost-estimate').waitFor();
  await page.waitForLoadState('networkidle');
  assert.match(await text(page.getByTestId('court-contact')), /0571-87065432/);
  await waitForText(page.getByTestId('watch-count'), /^1 人关注$/, 'the public count');
  assert.deepEqual(await violations(page), [], 'item page (desktop, signed out)');
  await screenshot(page, 'item-bidding-desktop');
  await page.context().close();
});

test('the court edits the buyer information in the console, on a phone, and the item page shows it', async () => {
  const page = await newPage(browser, PHONE);
  await openAs(page, server, judgeSession, `/court/listings/${round.listing_id}`);
  const form = page.getByRole('region', { name: '竞买前须知' });
  await form.getByRole('button', { name: '添加一项费用' }).click();
  const third = form.getByRole('group', { name: '第 4 项费用' });
  await third.getByLabel('名称（如契税、物业欠费）').fill('评估费');
  await third.getByLabel('计算方式').selectOption('fixed');
  await third.getByLabel('金额（元）').fill('3,500');
  await form.getByLabel('联系电话').fill('0571-87065000');
  await form.getByRole('button', { name: '保存竞买前须知' }).click();
  await form.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  const { scroll, inner } = await layout(page);
  assert.ok(scroll <= inner, `console: scrollWidth ${scroll} > innerWidth ${inner}`);
  assert.deepEqual(await violations(page), [], 'console listing page with the buyer information form (phone)');
  await screenshot(page, 'court-buyer-information-phone');

  const saved = await server.api('GET', `/api/auctions/${round.id}`);
  assert.deepEqual(
    saved.costs.map((c) => [c.name, c.amount ?? c.percent]),
    [['契税', '3'], ['物业欠费', '5432.10'], ['增值税', '5.6'], ['评估费', '3500.00']],
  );
  assert.equal(saved.contact.phone, '0571-87065000');
  await page.goto(`${server.url}/auctions/${round.id}`);
  await waitForText(page.getByTestId('cost-estimate'), /评估费\s*¥3,500\.00/, 'the new cost on the item page');
  await page.context().close();
});
