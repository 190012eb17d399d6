// The court console in the browser against the real `fapai` (SQLite, manual clock): a judge takes a listing
// from a new case to a paid deal — case, listing, photo, valuation, a round whose form shows the law's limits
// and refuses what breaks them before the server is asked, the server's own refusal on its field, publication;
// a bidder registers and bids; the judge sees the count but no identity, suspends and resumes with reasons the
// public page shows; after the end the registrants and the deal; a bank transfer recorded for the balance.
// A judge of another court sees none of it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  Server,
  idNumber,
  launchBrowser,
  newPage as sharedNewPage,
  screenshot,
  seriousViolations,
  signIn as sharedSignIn,
} from './support.mjs';

// A 1×1 PNG, as a photo of the flat.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const TITLE = '杭州市上城区清波街8号2幢301室';
const BUYER = '周敏';
let server;
let browser;
let judgePage;
const judge = { email: `console.${Date.now()}@court.test`, password: 'judge-password' };
const stranger = { email: `stranger.${Date.now()}@court.test`, password: 'judge-password' };
let roundId;

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
  const admin = await server.login(ADMIN.email, ADMIN.password);
  for (const [person, courtName] of [
    [judge, '杭州市上城区人民法院'],
    [stranger, '宁波市海曙区人民法院'],
  ]) {
    const court = await server.api('POST', '/api/admin/courts', { token: admin, body: { name: courtName } });
    await server.api('POST', '/api/admin/judges', {
      token: admin,
      body: { email: person.email, password: person.password, real_name: '王法官', court_id: court.id },
    });
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const newPage = () => sharedNewPage(browser);
const signIn = (page, person) => sharedSignIn(page, server, person);

async function expectNoSeriousViolations(page, where) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations)}`);
}

/** A Beijing wall-clock `datetime-local` value for an instant. */
function beijingInput(ms) {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 16);
}

test('a judge opens a case, lists the flat, prices it and uploads a photo', async () => {
  judgePage = await newPage();
  const page = judgePage;
  await signIn(page, judge);
  await page.getByRole('heading', { name: '正在进行' }).waitFor();
  await page.getByRole('heading', { name: '待付尾款' }).waitFor();
  await expectNoSeriousViolations(page, 'dashboard');

  await page.getByRole('link', { name: '新建案件' }).click();
  await page.getByLabel('案号').fill('(2026)浙0102执5678号');
  await page.getByLabel('申请执行人', { exact: true }).fill('杭州银行股份有限公司');
  await page.getByLabel('申请执行人邮箱').fill('creditor@bank.test');
  await page.getByLabel('被执行人', { exact: true }).fill('李四');
  await page.getByLabel('被执行人邮箱').fill('debtor@example.test');
  await page.getByRole('button', { name: '创建案件' }).click();
  await page.getByRole('link', { name: '新建标的' }).click();

  await page.getByRole('combobox', { name: '类别' }).selectOption({ label: '不动产' });
  await page.getByLabel('标题').fill(TITLE);
  await page.getByLabel('描述').fill('住宅，建筑面积89.3平方米，两室一厅。');
  await page.getByLabel('所在地').fill('浙江省杭州市上城区清波街8号');
  await page.getByLabel('权利负担').fill('抵押权人：杭州银行股份有限公司');
  await page.getByRole('checkbox', { name: '住宅' }).check();
  await expectNoSeriousViolations(page, 'new listing');
  await page.getByRole('button', { name: '创建标的' }).click();
  await page.getByRole('heading', { name: TITLE }).waitFor();

  await page.getByLabel('上传照片或文件').setInputFiles({ name: '客厅.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('img', { name: '客厅.png' }).waitFor();

  // An online inquiry shows the mean of its quotes as they are typed.
  await page.getByRole('combobox', { name: '定价方式' }).selectOption({ label: '网络询价' });
  await page.getByRole('button', { name: '添加报价' }).click();
  await page.locator('#quote-amount-0').fill('1000000');
  await page.locator('#quote-amount-1').fill('1100000.01');
  await page.getByTestId('quotes-mean').filter({ hasText: '1,050,000.01' }).waitFor();
  await page.getByRole('combobox', { name: '定价方式' }).selectOption({ label: '委托评估' });
  await page.getByLabel('报价来源').fill('浙江某资产评估有限公司');
  await page.getByLabel('金额').fill('1000000');
  await page.getByRole('button', { name: '确定参考价' }).click();
  await page.getByTestId('reference-price').filter({ hasText: '1,000,000.00' }).waitFor();
  await expectNoSeriousViolations(page, 'listing');
  await screenshot(page, 'court-listing-desktop');
});

test('the round form shows the limits, refuses what breaks them, and maps the server refusal to its field', async () => {
  const page = judgePage;
  await page.getByRole('link', { name: '新建拍卖' }).click();
  await page.getByTestId('floor-hint').filter({ hasText: '700,000.00' }).waitFor();
  const earliest = await page.getByLabel('竞价开始时间').inputValue();
  // The law's earliest start, counting the parties' three days' notice (R31), is a Beijing midnight; courts
  // open at 10:00, so the form offers 10:00 that day.
  assert.match(earliest, /^\d{4}-\d{2}-\d{2}T10:00$/, 'the form offers 10:00 Beijing time on the earliest day');
  const endsDefault = await page.getByLabel('竞价结束时间').inputValue();
  assert.match(endsDefault, /T10:00$/, 'and ends at 10:00 after 24 hours');

  // Below the floor: marked, and nothing is sent.
  await page.getByLabel('起拍价').fill('600000');
  await page.getByLabel('保证金').fill('70000');
  await page.getByLabel('加价幅度').fill('1000');
  await page.waitForFunction(() => document.getElementById('round-start-price')?.getAttribute('aria-invalid') === 'true');
  let requests = 0;
  const count = (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/auctions')) requests += 1;
  };
  page.on('request', count);
  await page.getByRole('button', { name: '创建拍卖' }).click();
  await page.waitForTimeout(300);

  // A start inside the notice period: marked, and nothing is sent.
  await page.getByLabel('起拍价').fill('700000');
  await page.getByTestId('deposit-range-hint').filter({ hasText: '35,000.00' }).waitFor();
  // Four days before it is inside the notice period even if the announcement went out today.
  const dayBefore = beijingInput(Date.parse(`${earliest}:00+08:00`) - 4 * 86400_000);
  await page.getByLabel('竞价开始时间').fill(dayBefore);
  await page.waitForFunction(() => document.getElementById('round-starts')?.getAttribute('aria-invalid') === 'true');
  await page.getByRole('button', { name: '创建拍卖' }).click();
  await page.waitForTimeout(300);
  assert.equal(requests, 0, 'the form asked the server anyway');
  page.off('request', count);
  await page.getByLabel('竞价开始时间').fill(earliest);

  // A deposit out of range goes to the server, whose refusal lands on the deposit field.
  await page.getByLabel('保证金').fill('1000');
  await page.getByRole('button', { name: '创建拍卖' }).click();
  await page.locator('#round-deposit-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.getByLabel('保证金').getAttribute('aria-invalid'), 'true');
  await expectNoSeriousViolations(page, 'round form');
  await screenshot(page, 'court-round-form-desktop');

  await page.getByLabel('保证金').fill('70000');
  await page.getByRole('button', { name: '创建拍卖' }).click();
  await page.waitForURL(/\/court\/auctions\//);
  roundId = page.url().split('/').pop();
  // The draft shows the announcement, instructions and reminders the server generated, before publishing.
  await page.getByRole('heading', { name: '公告预览' }).waitFor();
  await page.getByText('拍卖标的：' + TITLE).first().waitFor();

  // Before publication (R31, R7): publishing at once is refused, naming who is still to be told.
  await page.getByRole('button', { name: '发布公告' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '确认发布' }).click();
  await page.getByRole('dialog').getByRole('alert').filter({ hasText: '申请执行人' }).waitFor();
  await page.getByRole('dialog').getByRole('button', { name: '取消' }).click();
  const prepub = page.getByRole('region', { name: '发布前准备' });
  await prepub.getByRole('button', { name: '通知当事人' }).click();
  await prepub.getByText('已向 2 人发送拍卖通知。').waitFor();
  await prepub.getByTestId('notices').getByText('邮件通知').first().waitFor();
  await prepub.getByLabel('合议庭成员').fill('王审判长、李法官、赵法官');
  await prepub.getByRole('button', { name: '记录合议庭决定' }).click();
  await prepub.getByTestId('panel').filter({ hasText: '王审判长、李法官、赵法官' }).waitFor();
  await expectNoSeriousViolations(page, 'before publication');
  await screenshot(page, 'court-before-publication-desktop');
  // Three Beijing days later the notices count, and the announcement goes out.
  const round = await server.api('GET', `/api/auctions/${roundId}`, { token: await server.login(judge.email, judge.password) });
  await server.setClock(round.notices.map((n) => n.counts_from).sort().at(-1));
  await page.reload();
  await page.getByRole('region', { name: '发布前准备' }).getByTestId('not-yet-notified').filter({ hasText: '均已通知' }).waitFor();
  await page.getByRole('button', { name: '发布公告' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '确认发布' }).click();
  await page.getByTestId('round-status').filter({ hasText: '即将开始' }).waitFor();
  // Without a reload, the timeline has the publication and the announcement is still there.
  await page.getByTestId('timeline').getByText('发布公告').waitFor();
  await page.getByRole('heading', { name: '已发布的公告' }).waitFor();
  await page.getByText('拍卖标的：' + TITLE).first().waitFor();

  const visitor = await newPage();
  await visitor.goto(server.url);
  await visitor.getByRole('link', { name: TITLE }).first().waitFor();
  await visitor.context().close();
});

test('the judge follows the round: a count and no names, suspension and resumption in public', async () => {
  const page = judgePage;
  const round = await server.api('GET', `/api/auctions/${roundId}`);
  const buyer = { email: `buyer.${Date.now()}@browser.test`, password: 'bidder-password' };
  await server.api('POST', '/api/auth/register', {
    body: { ...buyer, real_name: BUYER, id_number: idNumber() },
  });
  const token = await server.login(buyer.email, buyer.password);
  const registration = await server.api('POST', `/api/auctions/${roundId}/registrations`, { token, body: { accept_terms: true, housing_qualification_commitment: true } });
  await server.api('POST', `/api/payments/${registration.payment.order_id}/sandbox-complete`, { token, body: {} });
  await server.setClock(round.bidding_starts_at);
  await page.reload();
  await page.getByTestId('round-status').filter({ hasText: '正在进行' }).waitFor();
  await page.getByTestId('registrations-count').filter({ hasText: '1' }).waitFor();

  // The bid reaches the judge's page live, as it reaches the bidders'.
  await server.api('POST', `/api/auctions/${roundId}/bids`, {
    token,
    body: { amount: '700000.00', request_id: crypto.randomUUID() },
  });
  await page.getByTestId('bid-record').getByText('700,000.00').waitFor();
  assert.equal(await page.getByTestId('registrants').count(), 0, 'no identities before the end (R40)');
  assert.equal(await page.getByText(BUYER).count(), 0);

  await page.getByRole('button', { name: '中止' }).click();
  await page.getByRole('dialog').getByLabel('原因').fill('案外人提出异议，依法中止');
  await page.getByRole('dialog').getByRole('button', { name: '确认' }).click();
  await page.getByTestId('round-status').filter({ hasText: '已暂停' }).waitFor();
  await page.getByTestId('timeline').getByText('中止：案外人提出异议，依法中止').waitFor();
  const visitor = await newPage();
  await visitor.goto(`${server.url}/auctions/${roundId}`);
  await visitor.getByText('案外人提出异议，依法中止').first().waitFor();
  await visitor.context().close();

  await page.getByRole('button', { name: '恢复' }).click();
  await page.getByRole('dialog').getByLabel('原因').fill('异议已审查完毕');
  await page.getByRole('dialog').getByRole('button', { name: '确认' }).click();
  await page.getByTestId('round-status').filter({ hasText: '正在进行' }).waitFor();
  await page.getByTestId('timeline').getByText('恢复：异议已审查完毕').waitFor();
  await expectNoSeriousViolations(page, 'round page');
  await screenshot(page, 'court-round-desktop');
});

test('after the end the judge sees the registrants and records the balance paid by bank transfer', async () => {
  const page = judgePage;
  const round = await server.api('GET', `/api/auctions/${roundId}`);
  await server.setClock(new Date(Date.parse(round.bidding_ends_at) + 1000).toISOString());
  await page.reload();
  await page.getByTestId('round-status').filter({ hasText: '已成交' }).waitFor();
  await page.getByTestId('registrants').getByText(BUYER).waitFor();
  assert.equal(await page.getByRole('link', { name: '创建下一轮' }).count(), 0, 'a sold listing has no next round');
  await page.getByTestId('deal-status').filter({ hasText: '待付尾款' }).waitFor();

  const today = (await server.now()).slice(0, 10);
  await page.getByRole('button', { name: '登记线下付款' }).click();
  const dialog = page.getByRole('dialog');
  assert.equal(await dialog.getByLabel('付款人').inputValue(), BUYER);
  await dialog.getByLabel('银行流水号').fill('ICBC-20270301-0042');
  await dialog.getByLabel('付款日期').fill(today);
  await dialog.getByRole('button', { name: '确认登记' }).click();
  await page.getByTestId('deal-status').filter({ hasText: '已付款' }).waitFor();
  await expectNoSeriousViolations(page, 'round page after the sale');
  await screenshot(page, 'court-deal-desktop');

  const ledger = await server.api('GET', `/api/auctions/${roundId}/ledger`);
  const last = ledger.entries.at(-1);
  assert.equal(last.kind, 'offline_payment');
  assert.equal(last.payload.recorded_by, '王法官');

  // After payment (R32, R52): the housing buyer's qualification, the ruling, its service, the hand-over.
  await page.getByRole('button', { name: '出具成交裁定' }).click();
  await page.getByRole('alert').filter({ hasText: '购房资格' }).waitFor();
  await page.getByRole('combobox', { name: '购房资格审查结果' }).selectOption({ label: '符合购房条件' });
  await page.getByLabel('审查依据').fill('杭州市住建局复函：符合购房条件');
  await page.getByRole('button', { name: '登记资格审查' }).click();
  await page.getByText('符合购房条件').first().waitFor();
  await page.getByRole('button', { name: '出具成交裁定' }).click();
  await page.getByTestId('deal-status').filter({ hasText: '已出具成交裁定' }).waitFor();
  const rulingHref = await page.getByRole('link', { name: '成交裁定书' }).getAttribute('href');
  const ruling = await fetch(`${server.url}${rulingHref}`);
  assert.equal(ruling.status, 200);
  assert.match(await ruling.text(), new RegExp(BUYER));
  // Served a few minutes after the ruling (the inputs are to the minute).
  const later = new Date(Date.parse(await server.now()) + 5 * 60_000).toISOString();
  await server.setClock(later);
  const now = beijingInput(Date.parse(later));
  await page.getByLabel('送达时间').fill(now);
  await page.getByRole('button', { name: '登记送达' }).click();
  await page.getByLabel('交付时间').fill(now);
  await page.getByRole('button', { name: '登记交付' }).click();
  await page.getByTestId('deal-status').filter({ hasText: '已交付' }).waitFor();
  await expectNoSeriousViolations(page, 'round page after the hand-over');
});

test('a judge of another court sees none of it, and the administrator sees both courts', async () => {
  const page = await newPage();
  await signIn(page, stranger);
  await page.getByRole('heading', { name: '本院标的' }).waitFor();
  assert.equal(await page.getByText(TITLE).count(), 0);
  await page.goto(`${server.url}/court/auctions/${roundId}`);
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByText(BUYER).count(), 0);
  await page.context().close();

  const admin = await newPage();
  await signIn(admin, ADMIN);
  await admin.getByRole('heading', { name: '法官' }).waitFor();
  await admin.getByText('宁波市海曙区人民法院').first().waitFor();
  await expectNoSeriousViolations(admin, 'administration');
  await admin.context().close();
});
