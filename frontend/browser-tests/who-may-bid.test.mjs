// Who may bid (contract v1.3, ui-contract additions of 2026-12-02): an organisation signs up as 单位 with its
// credit code and representative, registers, pays, bids and wins under its own name; the court puts a person
// on its 回避与禁止竞买名单 and that person's registration is refused without a reason.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  PHONE,
  Server,
  idNumber,
  launchBrowser,
  layout,
  newBidder,
  newPage,
  openAs,
  publishRound,
  publishedRoundAndJudge,
  registerAndPayByApi,
  screenshot,
  signIn,
  violations,
} from './support.mjs';

/** A small PDF standing for a power of attorney. */
const POWER_OF_ATTORNEY = Buffer.from('%PDF-1.4\n% 授权委托书\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A valid unified social credit code (GB 32100) that no other test uses. */
function creditCode() {
  const first17 = `91330102${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
  const sum = [...first17].reduce((acc, c, i) => acc + ALPHABET.indexOf(c) * WEIGHTS[i], 0);
  return first17 + ALPHABET[(31 - (sum % 31)) % 31];
}

let server;
let browser;
let round;
let judgeSession;

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
  ({ round, judgeSession } = await publishedRoundAndJudge(server));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an organisation signs up as 单位 on a phone, registers, bids and wins under its name', async () => {
  const page = await newPage(browser, PHONE);
  const code = creditCode();
  await page.goto(`${server.url}/signup`);
  await page.getByRole('radio', { name: '单位' }).check();
  await page.getByLabel('邮箱').fill('buyer@company.test');
  await page.getByLabel('密码', { exact: true }).fill('company-password');
  await page.getByLabel('单位名称').fill('杭州望江贸易有限公司');
  // A typo in the credit code shows before submitting, in the standard's terms.
  await page.getByLabel('统一社会信用代码').fill(code.slice(0, 17) + (code.endsWith('0') ? '1' : '0'));
  await page.getByLabel('真实姓名').fill('周建国');
  await page.getByText('校验位不符（GB 32100）').waitFor();
  await page.getByLabel('统一社会信用代码').fill(code.toLowerCase());
  await page.getByLabel('身份证号').fill(idNumber());
  const form = await layout(page, page.getByRole('button', { name: '注册' }));
  assert.ok(form.scroll <= form.inner, `the sign-up form scrolls sideways: ${form.scroll} > ${form.inner}`);
  assert.deepEqual(await violations(page), [], 'axe-core on the organisation sign-up');
  await screenshot(page, 'signup-organisation-phone');
  await page.getByRole('button', { name: '注册' }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();

  await page.goto(`${server.url}/me`);
  const kind = await page.getByTestId('account-kind').innerText();
  assert.match(kind, /单位 · 杭州望江贸易有限公司 · /);
  assert.ok(kind.includes(code) && kind.includes('周建国'), kind);

  await page.goto(`${server.url}/auctions/${round.id}`);
  await page.getByRole('button', { name: '报名参拍' }).click();
  const dialog = page.getByRole('dialog', { name: '报名参拍' });
  await dialog.getByRole('checkbox', { name: '我已阅读并同意竞买须知和特别提示' }).check();
  await dialog.getByRole('button', { name: '确认报名' }).click();
  await dialog.getByRole('button', { name: '支付保证金' }).click();
  await page.getByRole('button', { name: '确认支付（沙盒）' }).click();
  await page.waitForURL(`**/auctions/${round.id}`);
  await page.getByTestId('bidder-code').waitFor();

  await server.setClock(round.bidding_starts_at);
  await page.reload();
  await page.getByRole('button', { name: '出价', exact: true }).click();
  await page.getByRole('dialog', { name: '确认出价' }).getByRole('button', { name: '确认出价' }).click();
  await page.getByTestId('my-status').filter({ hasText: '领先' }).waitFor();

  await server.setClock(round.bidding_ends_at);
  await page.reload();
  await page.getByTestId('round-status').filter({ hasText: '已成交' }).waitFor();
  await page.getByText('杭州望江贸易有限公司').first().waitFor();
  const result = await server.api('GET', `/api/auctions/${round.id}/result`);
  assert.equal(result.buyer_name, '杭州望江贸易有限公司');
  await page.context().close();
});

test('the court adds a person to its exclusion list, and that person cannot register', async () => {
  const stranger = await newBidder(server, '刘博');
  const person = { idNumber: idNumber() };
  const registered = await server.api('POST', '/api/auth/register', {
    body: { email: 'relative@browser.test', password: 'bidder-password', real_name: '陈爱丽', id_number: person.idNumber },
  });
  const session = await server.api('POST', '/api/auth/login', {
    body: { email: 'relative@browser.test', password: 'bidder-password' },
  });
  const relative = { token: session.token, user: registered.user };

  const page = await newPage(browser);
  await openAs(page, server, judgeSession, '/court');
  await page.getByRole('link', { name: '回避与禁止竞买名单' }).click();
  await page.getByLabel('证件号码').fill('110105194912310021');
  await page.getByLabel('原因').fill('承办法官之配偶');
  await page.getByRole('button', { name: '添加' }).click();
  await page.getByRole('alert').filter({ hasText: '身份证号不正确' }).waitFor();
  await page.getByLabel('证件号码').fill(person.idNumber);
  await page.getByRole('button', { name: '添加' }).click();
  await page.getByRole('status').filter({ hasText: '已将' }).waitFor();
  await page.getByRole('cell', { name: '承办法官之配偶' }).waitFor();
  assert.deepEqual(await violations(page), [], 'axe-core on the exclusion list');
  await screenshot(page, 'court-exclusions');

  // The round above has ended; a fresh one of the same court is open for registration.
  const fresh = await publishedRoundOfCourt(judgeSession.token);
  const bidderPage = await newPage(browser, PHONE);
  await openAs(bidderPage, server, relative, `/auctions/${fresh.id}`);
  await bidderPage.getByRole('button', { name: '报名参拍' }).click();
  const dialog = bidderPage.getByRole('dialog', { name: '报名参拍' });
  await dialog.getByRole('checkbox', { name: '我已阅读并同意竞买须知和特别提示' }).check();
  await dialog.getByRole('button', { name: '确认报名' }).click();
  const refusal = await dialog.getByRole('alert').innerText();
  assert.equal(refusal, '本账户不得参加本院的司法拍卖。');
  assert.ok(!refusal.includes('配偶'), 'the reason stays with the court');
  // Someone not on the list registers for the same round.
  await registerAndPayByApi(server, stranger, fresh.id);
  await page.context().close();
  await bidderPage.context().close();
});

test('an agent registers for a principal, the court confirms the agency, and the agent bids', async () => {
  const fresh = await publishedRoundOfCourt(judgeSession.token, '(2026)浙0102执9012号');
  const agent = await newBidder(server, '赵律师');
  const page = await newPage(browser, PHONE);
  await openAs(page, server, agent, `/auctions/${fresh.id}`);
  await page.getByRole('button', { name: '报名参拍' }).click();
  const dialog = page.getByRole('dialog', { name: '报名参拍' });
  await dialog.getByRole('checkbox', { name: '我已阅读并同意竞买须知和特别提示' }).check();
  await dialog.getByRole('checkbox', { name: '代他人竞买' }).check();
  await dialog.getByLabel('被代理人名称').fill('李四');
  await dialog.getByLabel('被代理人证件号码').fill(idNumber());
  await dialog.getByLabel('授权委托书').setInputFiles({ name: '授权委托书.pdf', mimeType: 'application/pdf', buffer: POWER_OF_ATTORNEY });
  assert.deepEqual(await violations(page), [], 'axe-core on the registration dialog for a principal');
  await dialog.getByRole('button', { name: '确认报名' }).click();
  await dialog.getByTestId('agency-status').filter({ hasText: '代理 李四 竞买，待法院确认' }).waitFor();
  await dialog.getByTestId('power-of-attorney-status').filter({ hasText: '已提交授权委托书：授权委托书.pdf' }).waitFor();
  await dialog.getByRole('button', { name: '支付保证金' }).click();
  await page.getByRole('button', { name: '确认支付（沙盒）' }).click();
  await page.waitForURL(`**/auctions/${fresh.id}`);

  const court = await newPage(browser);
  await openAs(court, server, judgeSession, `/court/auctions/${fresh.id}`);
  const agencies = court.getByTestId('agencies');
  await agencies.getByRole('cell', { name: /^李四/ }).waitFor();
  // The court reads the power of attorney before it decides: the file comes with the judge's token.
  const saved = court.waitForEvent('download');
  await agencies.getByRole('button', { name: '授权委托书.pdf' }).click();
  const download = await saved;
  assert.equal(download.suggestedFilename(), '授权委托书.pdf');
  const path = await download.path();
  assert.deepEqual(await readFile(path), POWER_OF_ATTORNEY, 'the court gets the file the agent sent');
  await agencies.getByRole('button', { name: '确认代理 李四' }).click();
  await court.getByRole('status').filter({ hasText: '已确认代理 李四 的委托' }).waitFor();
  await agencies.getByRole('cell', { name: '已确认' }).waitFor();
  assert.deepEqual(await violations(court), [], 'axe-core on the round with its agencies');
  await screenshot(court, 'court-agencies');

  await server.setClock(fresh.bidding_starts_at);
  await page.reload();
  await page.getByTestId('agency-status').filter({ hasText: '法院已确认' }).waitFor();
  await page.getByRole('button', { name: '出价', exact: true }).click();
  await page.getByRole('dialog', { name: '确认出价' }).getByRole('button', { name: '确认出价' }).click();
  await page.getByTestId('my-status').filter({ hasText: '领先' }).waitFor();
  await page.context().close();
  await court.context().close();
});

test('a person whose ID number someone took files a claim, the administrator upholds it, and the person signs up', async () => {
  const number = idNumber();
  const squatter = { email: 'squatter@browser.test', password: 'squatter-password', real_name: '孙真名', id_number: number };
  await server.api('POST', '/api/auth/register', { body: squatter });
  const page = await newPage(browser, PHONE);
  const signUp = async () => {
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('邮箱').fill('owner@browser.test');
    await page.getByLabel('密码', { exact: true }).fill('owner-password');
    await page.getByLabel('真实姓名').fill('孙真名');
    await page.getByLabel('身份证号').fill(number);
    await page.getByRole('button', { name: '注册' }).click();
  };
  await signUp();
  await page.getByTestId('identity-claim-link').getByRole('link', { name: '身份申诉' }).click();
  await page.waitForURL('**/identity-claim?id_number=*');
  assert.equal(await page.getByLabel('身份证号').inputValue(), number, 'the number comes along');
  await page.getByLabel('邮箱').fill('owner@browser.test');
  await page.getByLabel('真实姓名').fill('孙真名');
  await page.getByLabel('情况说明').fill('注册时提示身份证号已被使用，本人从未注册。');
  await page.getByLabel('证明材料').setInputFiles({ name: '身份证.pdf', mimeType: 'application/pdf', buffer: POWER_OF_ATTORNEY });
  assert.deepEqual(await violations(page), [], 'axe-core on the claim form');
  await page.getByRole('button', { name: '提交申诉' }).click();
  await page.getByTestId('claim-receipt').filter({ hasText: 'owner@browser.test' }).waitFor();

  const admin = await newPage(browser);
  await signIn(admin, server, ADMIN);
  const claims = admin.getByTestId('identity-claims');
  await claims.getByText('squatter@browser.test').waitFor();
  assert.deepEqual(await violations(admin), [], 'axe-core on the identity claims');
  await admin.getByLabel('审核说明').fill('经核实');
  await claims.getByRole('button', { name: '申诉成立 孙真名' }).click();
  await claims.getByText('已成立（账户已冻结）').waitFor();
  await screenshot(admin, 'admin-identity-claims');

  await signUp();
  await page.getByRole('button', { name: '退出' }).waitFor();
  await page.context().close();
  await admin.context().close();
});

/** Another published round of the judge's court, on a new listing, bidding from 31 days on. */
async function publishedRoundOfCourt(judge, caseNumber = '(2026)浙0102执5678号') {
  const kase = await server.api('POST', '/api/cases', {
    token: judge,
    body: {
      case_number: caseNumber,
      applicant: { name: '杭州银行', email: 'creditor2@bank.test' },
      respondent: { name: '李四', email: 'debtor2@example.test' },
    },
  });
  const listing = await server.api('POST', '/api/listings', {
    token: judge,
    body: { case_id: kase.id, title: '奥迪A6L轿车一辆', category: 'movable', description: '2019年登记。', location: '杭州市' },
  });
  await server.api('POST', `/api/listings/${listing.id}/valuations`, {
    token: judge,
    body: { method: 'appraisal', quotes: [{ source: '浙江某评估公司', amount: '200000' }] },
  });
  const starts = new Date(Date.parse(await server.now()) + 31 * 86400_000);
  starts.setUTCMinutes(0, 0, 0);
  const draft = await server.api('POST', `/api/listings/${listing.id}/auctions`, {
    token: judge,
    body: {
      starting_price: '140000',
      deposit: '14000',
      increment: '500',
      bidding_starts_at: starts.toISOString(),
      bidding_ends_at: new Date(starts.getTime() + 24 * 3600_000).toISOString(),
      balance_due_days: 10,
    },
  });
  return publishRound(server, judge, draft.id);
}
