// The court's duties around an announcement and its ways out of a dead end, in the browser against the real
// `fapai` (SQLite, manual clock): the court's settings; the valuation report delivered and an objection to the
// price within its five days, decided; past the window after a failed round, a round held late for a written
// reason and, on another listing, the property taken in settlement of the debt; an objection rejected, then
// reconsidered by the higher court.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  Server,
  WAIVER_PDF,
  launchBrowser,
  newPage as sharedNewPage,
  publishRound,
  screenshot,
  seriousViolations,
  signIn as sharedSignIn,
} from './support.mjs';

let server;
let browser;
let judgeToken;
const judge = { email: `duties.${Date.now()}@court.test`, password: 'judge-password' };

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
  const admin = await server.login(ADMIN.email, ADMIN.password);
  const court = await server.api('POST', '/api/admin/courts', { token: admin, body: { name: '杭州市拱墅区人民法院' } });
  await server.api('POST', '/api/admin/judges', {
    token: admin,
    body: { email: judge.email, password: judge.password, real_name: '周法官', court_id: court.id },
  });
  judgeToken = await server.login(judge.email, judge.password);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const newPage = () => sharedNewPage(browser);
const signIn = (page) => sharedSignIn(page, server, judge);
const DAY = 86_400_000;

async function expectNoSeriousViolations(page, where) {
  const found = await seriousViolations(page);
  assert.deepEqual(found, [], `${where}: ${JSON.stringify(found)}`);
}

/** A listing of a flat priced by appraisal at ¥1,000,000. */
async function appraisedListing(title) {
  const kase = await server.api('POST', '/api/cases', {
    token: judgeToken,
    body: {
      case_number: `(2026)浙0105执${Math.floor(Math.random() * 9000) + 1000}号`,
      applicant: { name: '浙商银行', email: 'creditor@bank.test' },
      respondent: { name: '吴六', email: 'debtor@example.test' },
    },
  });
  const listing = await server.api('POST', '/api/listings', {
    token: judgeToken,
    body: { case_id: kase.id, title, category: 'real_estate', description: '住宅。', location: '浙江省杭州市拱墅区', is_housing: false },
  });
  await server.api('POST', `/api/listings/${listing.id}/valuations`, {
    token: judgeToken,
    body: { method: 'appraisal', quotes: [{ source: '浙江某评估公司', amount: '1000000' }] },
  });
  return listing;
}

/** A first round of the listing announced now and failed (no bidder): the clock stands at its end. */
async function failedFirstRound(listing) {
  const starts = new Date(Date.parse(await server.now()) + 31 * DAY);
  starts.setUTCMinutes(0, 0, 0);
  const round = await server.api('POST', `/api/listings/${listing.id}/auctions`, {
    token: judgeToken,
    body: {
      starting_price: '700000',
      deposit: '70000',
      increment: '1000',
      bidding_starts_at: starts.toISOString(),
      bidding_ends_at: new Date(starts.getTime() + 24 * 3600_000).toISOString(),
    },
  });
  await publishRound(server, judgeToken, round.id);
  await server.setClock(round.bidding_ends_at);
  return round;
}

async function uploadDocument(listingId, name) {
  const form = new FormData();
  form.append('kind', 'document');
  form.append('file', new Blob([WAIVER_PDF], { type: 'application/pdf' }), name);
  const response = await fetch(`${server.url}/api/listings/${listingId}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${judgeToken}` },
    body: form,
  });
  const body = await response.text();
  assert.equal(response.status, 201, body);
  return JSON.parse(body);
}

test("the court sets its panels' size, its sell-off window and its account", async () => {
  const page = await newPage();
  await signIn(page);
  const settings = page.getByTestId('court-settings');
  await settings.getByText('本院设置').click();
  await settings.getByLabel('第二次拍卖流拍后变卖的期限（日）').fill('20');
  await settings.getByLabel('法院收款账户（写入公告）').fill('户名：杭州市拱墅区人民法院；开户行：工商银行杭州分行；账号：1202 0000 0000 0000');
  await settings.getByRole('button', { name: '保存' }).click();
  await settings.getByText('已保存。').waitFor();
  const saved = await server.api('GET', '/api/court/settings', { token: judgeToken });
  assert.equal(saved.sell_off_window_days, 20);
  assert.match(saved.payment_account, /1202 0000/);
  await expectNoSeriousViolations(page, 'the settings');
  await page.context().close();
});

test('the judge records the report delivered, an objection to the price in its five days, and decides it', async () => {
  const listing = await appraisedListing('杭州市拱墅区莫干山路8号1幢301室');
  await uploadDocument(listing.id, '评估报告.pdf');
  const page = await newPage();
  await signIn(page);
  await page.goto(`${server.url}/court/listings/${listing.id}`);
  const report = page.getByTestId('valuation-report');
  await report.getByLabel('报告文件（先在上方上传）').selectOption({ label: '评估报告.pdf' });
  await report.getByRole('button', { name: '登记送达' }).click();
  await report.getByTestId('report-delivered').filter({ hasText: '异议期至' }).waitFor();

  await report.getByText('登记对参考价的异议').click();
  await report.getByLabel('异议人姓名或名称').fill('吴六');
  await report.getByLabel('异议人邮箱').fill('debtor@example.test');
  await report.getByLabel('评估方法、参数或结果有误').check();
  await report.getByLabel('异议内容').fill('评估未考虑学区因素，价格偏低。');
  await report.getByRole('button', { name: '登记', exact: true }).click();
  await report.getByTestId('price-objection').filter({ hasText: '待审查' }).waitFor();
  await report.getByText('参考价异议尚待审查，参考价暂不能使用。').waitFor();
  await screenshot(page, 'court-price-objection-desktop');
  await expectNoSeriousViolations(page, 'the report and its objection');

  await report.getByLabel('理由（公开记入区块记录）').fill('评估已考虑区位因素，异议理由不成立。');
  await report.getByRole('button', { name: '作出裁定' }).click();
  // Decided: the form gives way to the decision's date and reasoning.
  await report.getByTestId('price-objection').filter({ hasText: '异议理由不成立' }).waitFor();
  const objections = await server.api('GET', `/api/listings/${listing.id}/price-objections`, { token: judgeToken });
  assert.deepEqual(objections.map((o) => o.status), ['rejected']);
  await page.context().close();
});

test('past the window after a failure the judge holds the round late for a reason, or settles the debt', async () => {
  const late = await appraisedListing('杭州市拱墅区湖墅南路100号2幢801室');
  const settled = await appraisedListing('杭州市拱墅区大关路66号5幢402室');
  await failedFirstRound(late);
  await failedFirstRound(settled);
  // 31 days after the second failure: the 30 days for round 2 have passed.
  await server.setClock(new Date(Date.parse(await server.now()) + 31 * DAY).toISOString());

  const page = await newPage();
  await signIn(page);
  await page.goto(`${server.url}/court/listings/${late.id}`);
  const ways = page.getByTestId('ways-out');
  await ways.getByTestId('window-passed').waitFor();
  await ways.getByRole('link', { name: '逾期另行拍卖（须写明理由）' }).click();
  await page.getByTestId('late-round').waitFor();
  await page.getByLabel('逾期理由').fill('案外人异议审查期间暂缓拍卖，异议已驳回。');
  await page.getByLabel('保证金').fill('56,000');
  await page.getByLabel('加价幅度').fill('1,000');
  await screenshot(page, 'court-late-round-desktop');
  await page.getByRole('button', { name: '创建拍卖' }).click();
  await page.waitForURL(/\/court\/auctions\//);
  const roundId = page.url().split('/').pop();
  const draft = await server.api('GET', `/api/auctions/${roundId}`, { token: judgeToken });
  assert.equal(draft.round_kind, 'second');

  await page.goto(`${server.url}/court/listings/${settled.id}`);
  await page.getByTestId('window-passed').waitFor();
  const settlement = page.getByTestId('settlement-form');
  await settlement.getByLabel('接受抵债的债权人').fill('浙商银行');
  await settlement.getByLabel('其未受清偿的债权额（元）').fill('650,000');
  await settlement.getByLabel('说明（记入区块记录）').fill('申请执行人申请以物抵债。');
  await settlement.getByRole('button', { name: '以物抵债' }).click();
  await page.getByText('已以物抵债').first().waitFor();
  await expectNoSeriousViolations(page, 'the settled listing');
  const after = await server.api('GET', `/api/listings/${settled.id}`, { token: judgeToken });
  assert.equal(after.status, 'settled');
  await page.context().close();
});

test('an objection rejected is reconsidered by the higher court, recorded by the judge', async () => {
  const listing = await appraisedListing('杭州市拱墅区丽水路20号3幢601室');
  const starts = new Date(Date.parse(await server.now()) + 31 * DAY);
  starts.setUTCMinutes(0, 0, 0);
  const round = await server.api('POST', `/api/listings/${listing.id}/auctions`, {
    token: judgeToken,
    body: {
      starting_price: '700000',
      deposit: '70000',
      increment: '1000',
      bidding_starts_at: starts.toISOString(),
      bidding_ends_at: new Date(starts.getTime() + 24 * 3600_000).toISOString(),
    },
  });
  await publishRound(server, judgeToken, round.id);
  const objection = await server.api('POST', '/api/objections', {
    token: judgeToken,
    body: {
      auction_id: round.id,
      objector: { name: '吴六', email: 'debtor@example.test', role: 'party' },
      grounds: ['untrue_description'],
      statement: '公告面积有误。',
    },
  });
  await server.api('POST', `/api/objections/${objection.id}/decision`, {
    token: judgeToken,
    body: { outcome: 'rejected', reasoning: '面积与不动产登记一致。' },
  });

  const page = await newPage();
  await signIn(page);
  await page.goto(`${server.url}/court/auctions/${round.id}`);
  const objections = page.getByTestId('objections');
  const request = objections.getByTestId('reconsideration-request');
  await request.getByText('前申请复议，期间不得作出成交裁定').waitFor();
  await request.getByRole('button', { name: '登记复议申请' }).click();
  const decision = objections.getByTestId('reconsideration-decision');
  await decision.getByLabel('理由（公开记入区块记录）').fill('原裁定认定事实清楚，驳回复议申请。');
  await decision.getByRole('button', { name: '登记复议结果' }).click();
  await objections.getByTestId('reconsideration').filter({ hasText: '复议驳回' }).waitFor();
  await expectNoSeriousViolations(page, 'the reconsidered objection');
  const [shown] = (await server.api('GET', `/api/court/objections?auction_id=${round.id}`, { token: judgeToken })).items;
  assert.equal(shown.reconsideration_outcome, 'rejected');
  await page.context().close();
});
