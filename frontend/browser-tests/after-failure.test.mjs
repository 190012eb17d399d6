// The law after a failure and a sale in the browser, against the real `fapai` (SQLite, manual clock): a flat
// failed twice; the judge sets up the sell-off (变卖) on the round form, which shows the fixed price and the
// 60-day period; a bidder registers with the housing commitment and sees the sell-off's terms and its 应买记录;
// the first bid at the price sells it; the judge records an objection and upholds it, the sale is set aside,
// and the buyer's deal page shows the refund.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  Server,
  idNumber,
  launchBrowser,
  newPage as sharedNewPage,
  publishRound,
  readyToPublish,
  screenshot,
  seriousViolations,
  signIn as sharedSignIn,
} from './support.mjs';

const TITLE = '杭州市西湖区文三路99号2幢502室';
let server;
let browser;
let judgeToken;
let listingId;
let sellOffId;
const judge = { email: `selloff.${Date.now()}@court.test`, password: 'judge-password' };
const buyer = { email: `buyer.${Date.now()}@browser.test`, password: 'bidder-password', name: '钱应买' };

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
  const admin = await server.login(ADMIN.email, ADMIN.password);
  const court = await server.api('POST', '/api/admin/courts', { token: admin, body: { name: '杭州市西湖区人民法院' } });
  await server.api('POST', '/api/admin/judges', {
    token: admin,
    body: { email: judge.email, password: judge.password, real_name: '陈法官', court_id: court.id },
  });
  judgeToken = await server.login(judge.email, judge.password);
  const kase = await server.api('POST', '/api/cases', {
    token: judgeToken,
    body: {
      case_number: '(2026)浙0106执777号',
      applicant: { name: '杭州银行', email: 'creditor@bank.test' },
      respondent: { name: '孙五', email: 'debtor@example.test' },
    },
  });
  const listing = await server.api('POST', '/api/listings', {
    token: judgeToken,
    body: {
      case_id: kase.id,
      title: TITLE,
      category: 'real_estate',
      description: '住宅，建筑面积89平方米。',
      location: '浙江省杭州市西湖区文三路99号',
      is_housing: true,
    },
  });
  listingId = listing.id;
  await server.api('POST', `/api/listings/${listingId}/valuations`, {
    token: judgeToken,
    body: { method: 'appraisal', quotes: [{ source: '浙江某评估公司', amount: '1000000' }] },
  });
  // Round 1 (start 700,000) and round 2 (start 560,000) both fail.
  for (const [start, deposit, notice] of [['700000', '70000', 31], ['560000', '56000', 15]]) {
    const starts = new Date(Date.parse(await server.now()) + notice * 86400_000);
    starts.setUTCMinutes(0, 0, 0);
    const round = await server.api('POST', `/api/listings/${listingId}/auctions`, {
      token: judgeToken,
      body: {
        starting_price: start,
        deposit,
        increment: '1000',
        bidding_starts_at: starts.toISOString(),
        bidding_ends_at: new Date(starts.getTime() + 24 * 3600_000).toISOString(),
      },
    });
    await publishRound(server, judgeToken, round.id);
    await server.setClock(round.bidding_ends_at);
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const newPage = () => sharedNewPage(browser);
const signIn = (page, person, landing) => sharedSignIn(page, server, person, landing);

async function expectNoSeriousViolations(page, where) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations)}`);
}

test('after round 2 fails the judge sets up the sell-off at its fixed price and publishes it', async () => {
  const page = await newPage();
  await signIn(page, judge, /\/court$/);
  await page.goto(`${server.url}/court/listings/${listingId}/rounds/new`);
  const terms = page.getByTestId('sell-off-terms');
  await terms.waitFor();
  assert.match(await terms.innerText(), /560,000\.00/);
  assert.equal(await page.getByLabel('起拍价').inputValue(), '560000.00');
  assert.equal(await page.getByLabel('起拍价').getAttribute('readonly'), '', 'the price is fixed');
  assert.equal(await page.getByLabel('竞价结束时间').count(), 0, 'the period is fixed: no end to choose');
  await page.getByTestId('sell-off-ends').filter({ hasText: '60 天' }).waitFor();
  await page.getByLabel('保证金').fill('56000');
  await expectNoSeriousViolations(page, 'sell-off form');
  await screenshot(page, 'court-sell-off-form-desktop');
  await page.getByRole('button', { name: '创建拍卖' }).click();
  await page.waitForURL(/\/court\/auctions\//);
  sellOffId = page.url().split('/').at(-1);
  await page.getByText('变卖').first().waitFor();
  // The parties' waivers and the panel, through the API (the console's own steps are in court.test.mjs).
  await readyToPublish(server, judgeToken, sellOffId);
  await page.reload();
  await page.getByRole('button', { name: '发布公告' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '确认发布' }).click();
  await page.getByTestId('round-status').filter({ hasText: '即将开始' }).waitFor();
  await page.context().close();
});

test('a bidder registers, committed to the housing qualification, prepays the price and buys with the first offer', async () => {
  await server.api('POST', '/api/auth/register', {
    body: { email: buyer.email, password: buyer.password, real_name: buyer.name, id_number: idNumber() },
  });
  const page = await newPage();
  await signIn(page, buyer, (url) => !url.pathname.startsWith('/login'));
  await page.goto(`${server.url}/auctions/${sellOffId}`);
  await page.getByTestId('sell-off-hint').filter({ hasText: '560,000.00' }).waitFor();
  await page.getByRole('tab', { name: '应买记录' }).waitFor();
  await page.getByText('变卖预缴款').first().waitFor();
  await page.getByRole('button', { name: '报名参拍' }).click();
  const dialog = page.getByRole('dialog', { name: '报名参拍' });
  await dialog.getByRole('checkbox', { name: '我已阅读并同意竞买须知和特别提示' }).check();
  await dialog.getByTestId('housing-commitment').filter({ hasText: '购房资格' }).waitFor();
  await dialog.getByRole('button', { name: '确认报名' }).click();
  await dialog.getByText('应付变卖预缴款 ¥560,000.00').waitFor();
  await expectNoSeriousViolations(page, 'sell-off registration');
  await screenshot(page, 'sell-off-registration-desktop');
  await dialog.getByRole('button', { name: '支付保证金' }).click();
  await page.getByRole('button', { name: '确认支付（沙盒）' }).click();
  await page.waitForURL(`**/auctions/${sellOffId}`);

  const round = await server.api('GET', `/api/auctions/${sellOffId}`);
  const offered = new Date(Date.parse(round.bidding_starts_at) + 3 * 86400_000).toISOString();
  await server.setClock(offered);
  const token = await server.login(buyer.email, buyer.password);
  await server.api('POST', `/api/auctions/${sellOffId}/bids`, {
    token,
    body: { amount: '560000', request_id: crypto.randomUUID() },
  });
  await server.setClock(new Date(Date.parse(offered) + 24 * 3600_000).toISOString());
  await page.reload();
  await page.getByTestId('current-price').filter({ hasText: '560,000.00' }).waitFor();
  const result = await server.api('GET', `/api/auctions/${sellOffId}/result`);
  assert.equal(result.status, 'sold');
  const deal = await server.api('GET', `/api/deals/${result.deal_id}`, { token });
  assert.equal(deal.status, 'paid', 'the prepayment pays a sale at the price');
  await page.context().close();
});

test('the judge records an objection, upholds it, and the buyer sees the sale set aside and the refund', async () => {
  const page = await newPage();
  await signIn(page, judge, /\/court$/);
  await page.goto(`${server.url}/court/auctions/${sellOffId}`);
  await page.getByTestId('round-status').filter({ hasText: '已成交' }).waitFor();
  await page.getByText('登记异议').click();
  await page.getByLabel('异议人姓名或名称').fill('李租户');
  await page.getByLabel('异议人邮箱').fill('tenant@example.test');
  await page.getByRole('combobox', { name: '异议人身份' }).selectOption({ label: '案外人' });
  await page.getByRole('checkbox', { name: '标的物描述、照片或瑕疵说明严重失实' }).check();
  await page.getByLabel('异议内容').fill('房屋内有未披露的租赁关系。');
  await page.getByRole('button', { name: '登记', exact: true }).click();
  await page.getByTestId('decide-by').waitFor();

  const dashboard = await newPage();
  await signIn(dashboard, judge, /\/court$/);
  await dashboard.getByTestId('pending-objections').getByText('李租户').waitFor();
  await dashboard.context().close();

  await page.getByRole('combobox', { name: '审查结果', exact: true }).selectOption({ label: '成立' });
  await page.getByLabel('理由（公开记入区块记录）').fill('拍卖公告未披露租赁关系，属严重失实（R65）。');
  await page.getByRole('button', { name: '作出裁定' }).click();
  await page.getByTestId('round-status').filter({ hasText: '已撤销' }).waitFor();
  await page.getByTestId('deal-refunds').filter({ hasText: '560,000.00' }).waitFor();
  await expectNoSeriousViolations(page, 'round after revocation');
  await screenshot(page, 'court-revoked-desktop');
  await page.context().close();

  const buyerPage = await newPage();
  await signIn(buyerPage, buyer, (url) => !url.pathname.startsWith('/login'));
  const result = await server.api('GET', `/api/auctions/${sellOffId}/result`);
  assert.equal(result.status, 'revoked');
  await buyerPage.goto(`${server.url}/deals/${result.deal_id}`);
  await buyerPage.getByTestId('deal-revoked').waitFor();
  await buyerPage.getByTestId('deal-refunds').filter({ hasText: '变卖预缴款' }).waitFor();
  await expectNoSeriousViolations(buyerPage, 'revoked deal');
  await screenshot(buyerPage, 'deal-revoked-desktop');
  await buyerPage.context().close();

  const registrations = await server.api('GET', '/api/me/registrations', { token: await server.login(buyer.email, buyer.password) });
  assert.ok(registrations.items[0].housing_commitment_at, 'the commitment is recorded');
  const ledger = await server.api('GET', `/api/auctions/${sellOffId}/ledger`);
  const kinds = ledger.entries.map((e) => e.kind);
  assert.deepEqual(kinds.slice(-4), ['objection', 'objection_decision', 'revocation', 'refund']);
});
