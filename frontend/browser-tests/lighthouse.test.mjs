// Lighthouse 12.2.3 (pinned: 13 needs Node 22) on the home page and an item page, as a phone and as a desktop,
// against the real `fapai`. Accessibility 100, best practices and SEO at least 95, layout shift under 0.1
// everywhere; performance at least 90 on the desktop. Mobile performance is measured under Lighthouse's
// simulated slow 4G and 4× slower CPU, which on a shared 2-core machine swings with the load beside it: its
// figure is printed and kept in test-results/lighthouse.json (the README's table comes from there) and must
// stay at least 75, the level before this work.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { FRONTEND, Server, publishedRoundAndJudge } from './support.mjs';

let server;
let chrome;
let round;
const figures = [];

before(async () => {
  server = await new Server().start();
  let judge;
  ({ round, judge } = await publishedRoundAndJudge(server));
  await server.api('PUT', `/api/listings/${round.listing_id}/buyer-information`, {
    token: judge,
    body: {
      costs: [{ name: '契税', borne_by: 'buyer', kind: 'percent_of_price', percent: '3' }],
      contact: { name: '王法官', phone: '0571-87065432' },
      viewing: { how: '工作日预约看样。' },
    },
  });
  chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});

after(async () => {
  await chrome?.kill();
  await server?.stop();
  mkdirSync(join(FRONTEND, 'test-results'), { recursive: true });
  writeFileSync(join(FRONTEND, 'test-results', 'lighthouse.json'), JSON.stringify(figures, null, 2));
});

async function audit(path, formFactor) {
  const url = `${server.url}${path}`;
  const config = formFactor === 'desktop' ? desktopConfig : undefined;
  const { lhr } = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error' }, config);
  const score = (id) => Math.round((lhr.categories[id].score ?? 0) * 100);
  const result = {
    page: path === '/' ? 'home' : 'item',
    formFactor,
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    seo: score('seo'),
    cls: Number(lhr.audits['cumulative-layout-shift'].numericValue.toFixed(3)),
    lcpMs: Math.round(lhr.audits['largest-contentful-paint'].numericValue),
    tbtMs: Math.round(lhr.audits['total-blocking-time'].numericValue),
  };
  const failing = Object.values(lhr.categories)
    .flatMap((category) => category.auditRefs.filter((ref) => ref.weight > 0).map((ref) => lhr.audits[ref.id]))
    .filter((a) => a.score !== null && a.score < 1)
    .map((a) => `${a.id}${a.displayValue ? ` (${a.displayValue})` : ''}`);
  figures.push(result);
  console.log(JSON.stringify(result), failing.length ? `not full marks: ${failing.join(', ')}` : '');
  return result;
}

for (const formFactor of ['mobile', 'desktop']) {
  for (const which of ['home', 'item']) {
    test(`Lighthouse on the ${which} page (${formFactor})`, async () => {
      const r = await audit(which === 'home' ? '/' : `/auctions/${round.id}`, formFactor);
      assert.equal(r.accessibility, 100, 'accessibility');
      assert.ok(r.bestPractices >= 95, `best practices ${r.bestPractices}`);
      assert.ok(r.seo >= 95, `SEO ${r.seo}`);
      assert.ok(r.cls < 0.1, `layout shift ${r.cls}`);
      assert.ok(r.performance >= (formFactor === 'desktop' ? 90 : 75), `performance ${r.performance}`);
    });
  }
}
