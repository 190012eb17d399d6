// The judge's view of the signals of shill bidding and collusion (docs/signals.md), in the browser against the
// real `fapai`: three registrants who share a phone number and an email domain, one bid at the starting price,
// and after the end the court's round page shows both signals with their ledger entries.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PHONE,
  Server,
  layout,
  launchBrowser,
  newBidder,
  newPage,
  openAs,
  publishedRoundAndJudge,
  registerAndPayByApi,
  screenshot,
  seriousViolations,
} from './support.mjs';

let server;
let browser;

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('after the end the court sees a price stopped at the start and registrants sharing a phone', async () => {
  const { round, judgeSession } = await publishedRoundAndJudge(server);
  const bidders = [];
  for (const name of ['赵一', '钱二', '孙三']) {
    const bidder = await newBidder(server, name);
    await registerAndPayByApi(server, bidder, round.id);
    bidders.push(bidder);
  }
  await server.setClock(new Date(Date.parse(round.bidding_starts_at) + 60_000).toISOString());
  await server.api('POST', `/api/auctions/${round.id}/bids`, {
    token: bidders[0].token,
    body: { amount: round.starting_price, request_id: crypto.randomUUID() },
  });
  await server.setClock(new Date(Date.parse(round.bidding_ends_at) + 1_000).toISOString());

  const page = await newPage(browser);
  await openAs(page, server, judgeSession, `/court/auctions/${round.id}`);
  const signals = page.getByTestId('signals');
  await signals.waitFor();
  const stopped = signals.locator('li[data-kind="stopped_at_start"]');
  assert.equal(await stopped.count(), 1);
  assert.match(await stopped.innerText(), /3 人交纳保证金报名/);
  // Every pair of the three shares the phone (and the domain): three signals.
  assert.equal(await signals.locator('li[data-kind="shared_traces"]').count(), 3);
  assert.match(await signals.innerText(), /同一手机号/);
  // Registrations are not in the public ledger (R40): their evidence is the court's own record.
  assert.match(await signals.locator('li[data-kind="shared_traces"]').first().innerText(), /依据：报名资料/);
  // The evidence: the bid's entry of the public ledger, by sequence and hash.
  await stopped.locator('summary').click();
  const ledger = await server.api('GET', `/api/auctions/${round.id}/ledger`);
  const bidEntry = ledger.entries.find((e) => e.kind === 'bid');
  assert.match(await stopped.innerText(), new RegExp(`#${bidEntry.seq} ${bidEntry.hash.slice(0, 16)}`));
  await screenshot(page, 'court-signals');
  assert.deepEqual(await seriousViolations(page), []);
  // On a phone the section fits the width: no sideways scroll.
  await page.setViewportSize(PHONE);
  await signals.scrollIntoViewIfNeeded();
  const phone = await layout(page);
  assert.ok(phone.scroll <= phone.inner, `scroll width ${phone.scroll} > ${phone.inner}`);
  await screenshot(page, 'court-signals-phone');
  await page.close();
});
