// What the browser tests share: a real `fapai` server (SQLite, manual clock) they can stop and restart,
// the API calls that set up a court's round, Debian's Chromium through playwright-core, axe-core checks,
// and screenshots.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const FRONTEND = resolve(here, '..');
export const SCREENSHOTS = resolve(FRONTEND, 'test-results/screenshots');
const require = createRequire(import.meta.url);

/** The server binary: FAPAI_BIN, or the debug build in CARGO_TARGET_DIR (or ../target). */
export function serverBinary() {
  if (process.env.FAPAI_BIN) return process.env.FAPAI_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? resolve(FRONTEND, '../target');
  return join(target, 'debug', 'fapai');
}

export const ADMIN = { email: 'admin@browser.test', password: 'browser-test-password' };

/** A `fapai serve` process on its own SQLite file; `restart()` keeps the database, port and keys. */
export class Server {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'fapai-browser-'));
    this.port = 0;
    this.process = null;
    this.log = '';
  }

  env() {
    return {
      ...process.env,
      FAPAI_CLOCK: 'manual',
      FAPAI_LISTEN: `127.0.0.1:${this.port}`,
      FAPAI_DATABASE_URL: `sqlite://${join(this.dir, 'fapai.db')}?mode=rwc`,
      FAPAI_DATA_DIR: this.dir,
      FAPAI_MAIL: 'log',
      FAPAI_ADMIN_EMAIL: ADMIN.email,
      FAPAI_ADMIN_PASSWORD: ADMIN.password,
      // Fixed keys, so tokens and payment signatures survive a restart.
      FAPAI_JWT_SECRET: 'browser-test-jwt-secret-of-at-least-32-bytes',
      FAPAI_PAYMENTS_SECRET: 'browser-test-payments-secret-at-least-32-bytes',
      FAPAI_WORKER_INTERVAL_MS: '100',
      RUST_LOG: 'warn,backend=info',
    };
  }

  async start() {
    const child = spawn(serverBinary(), ['serve'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    const address = await new Promise((resolveAddress, reject) => {
      const timer = setTimeout(() => reject(new Error(`fapai did not start in 60 s:\n${this.log}`)), 60_000);
      const read = (chunk) => {
        this.log += chunk.toString();
        const match = this.log.match(/listening on (http:\/\/127\.0\.0\.1:(\d+))/g);
        if (match) {
          clearTimeout(timer);
          resolveAddress(match[match.length - 1].replace('listening on ', ''));
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('error', (error) => reject(new Error(`cannot run ${serverBinary()}: ${error.message}`)));
      child.on('exit', (code) => reject(new Error(`fapai exited (${code}):\n${this.log}`)));
    });
    this.url = address;
    this.port = Number(new URL(address).port);
    return this;
  }

  /** Kills the process at once (as a crash would) and waits for it to be gone. */
  async kill() {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await gone;
    this.process = null;
  }

  async restart() {
    await this.kill();
    this.log = '';
    return this.start();
  }

  async stop() {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async api(method, path, { token, body } = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return json;
  }

  async login(email, password) {
    return (await this.api('POST', '/api/auth/login', { body: { email, password } })).token;
  }

  async setClock(iso) {
    return this.api('POST', '/api/test/clock', { body: { now: iso } });
  }

  async now() {
    return (await this.api('GET', '/api/test/clock')).now;
  }
}

/**
 * A published first round of a flat, as a court would make it: reference ¥1,000,000 (appraisal), start
 * ¥700,000, deposit ¥70,000, increment ¥1,000, bidding from 31 days from now for 24 hours.
 */
export async function publishedRound(server) {
  return (await publishedRoundAndJudge(server)).round;
}

/** As {@link publishedRound}, with the judge's token, for a test that goes on as the court. */
export async function publishedRoundAndJudge(server) {
  const admin = await server.login(ADMIN.email, ADMIN.password);
  const court = await server.api('POST', '/api/admin/courts', { token: admin, body: { name: '杭州市上城区人民法院' } });
  const judgeEmail = `judge.${Date.now()}@browser.test`;
  await server.api('POST', '/api/admin/judges', {
    token: admin,
    body: { email: judgeEmail, password: 'judge-password', real_name: '王法官', court_id: court.id },
  });
  const judgeSession = await server.api('POST', '/api/auth/login', { body: { email: judgeEmail, password: 'judge-password' } });
  const judge = judgeSession.token;
  const kase = await server.api('POST', '/api/cases', {
    token: judge,
    body: {
      case_number: '(2026)浙0102执1234号',
      applicant: { name: '中国工商银行杭州分行', email: 'creditor@bank.test' },
      respondent: { name: '张三', email: 'debtor@example.test' },
    },
  });
  const listing = await server.api('POST', '/api/listings', {
    token: judge,
    body: {
      case_id: kase.id,
      title: '杭州市上城区望江路18号3幢1单元1201室',
      category: 'real_estate',
      description: '住宅，建筑面积120.5平方米，三室两厅，现空置。',
      location: '浙江省杭州市上城区望江路18号',
      encumbrances: '抵押权人：中国工商银行杭州分行',
      is_housing: true,
    },
  });
  await server.api('POST', `/api/listings/${listing.id}/valuations`, {
    token: judge,
    body: { method: 'appraisal', quotes: [{ source: '浙江某评估公司', amount: '1000000' }] },
  });
  const starts = new Date(Date.parse(await server.now()) + 31 * 86400_000);
  starts.setUTCMinutes(0, 0, 0);
  const ends = new Date(starts.getTime() + 24 * 3600_000);
  const round = await server.api('POST', `/api/listings/${listing.id}/auctions`, {
    token: judge,
    body: {
      starting_price: '700000',
      deposit: '70000',
      increment: '1000',
      bidding_starts_at: starts.toISOString(),
      bidding_ends_at: ends.toISOString(),
      balance_due_days: 10,
    },
  });
  const published = await publishRound(server, judge, round.id);
  return { round: published, judge, judgeSession: { token: judge, user: judgeSession.user } };
}

/** A one-page PDF: a party's written waiver of the notice before the announcement (R31). */
export const WAIVER_PDF = Buffer.from('%PDF-1.4\n% waiver of notice\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/**
 * What publication asks of the court (R7, R31), done through the API so the round may be announced today:
 * each party's written waiver of the notice (a file of the listing) and the collegial panel's decision.
 * The console's own steps (emailed notices, the panel form) have a browser test of their own.
 */
export async function readyToPublish(server, judge, roundId) {
  const round = await server.api('GET', `/api/auctions/${roundId}`, { token: judge });
  const now = await server.now();
  const parties = round.not_yet_notified ?? [];
  if (parties.length > 0) {
    const form = new FormData();
    form.append('kind', 'document');
    form.append('file', new Blob([WAIVER_PDF], { type: 'application/pdf' }), '放弃通知声明.pdf');
    const response = await fetch(`${server.url}/api/listings/${round.listing_id}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${judge}` },
      body: form,
    });
    if (!response.ok) throw new Error(`the waiver's upload: ${response.status} ${await response.text()}`);
    const file = await response.json();
    for (const party of parties) {
      await server.api('POST', `/api/auctions/${roundId}/notices/offline`, {
        token: judge,
        body: { party: party.party, name: party.name, method: 'waiver', at: now, file_id: file.id },
      });
    }
  }
  if (!round.panel) {
    await server.api('POST', `/api/auctions/${roundId}/panel`, {
      token: judge,
      body: { members: ['王审判长', '李法官', '赵法官'], decided_at: now },
    });
  }
}

/** {@link readyToPublish}, then the announcement; the announced round. */
export async function publishRound(server, judge, roundId) {
  await readyToPublish(server, judge, roundId);
  return server.api('POST', `/api/auctions/${roundId}/publish`, { token: judge });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 900 };

/** A fresh page in its own context: Chinese, Beijing time, page errors printed. */
export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

/** Signs `person` in on the sign-in page and waits for the page it lands on (the console by default). */
export async function signIn(page, server, person, landing = /\/court$/) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('邮箱').fill(person.email);
  await page.getByLabel('密码').fill(person.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(landing);
}
export const PHONE = { width: 375, height: 812 };

/** Serious and critical accessibility violations axe-core finds on the page as it is now. */
export async function seriousViolations(page) {
  return (await violations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Every accessibility violation axe-core finds on the page as it is now, of any impact. */
export async function violations(page) {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the debugging protocol: the app's content policy rightly refuses inline scripts.
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    // @ts-ignore -- injected above
    const outcome = await window.axe.run(document, { resultTypes: ['violations'] });
    return outcome.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return result;
}

/** Signs a new bidder up through the API and in; returns `{ email, password, name, token, user }`. */
export async function newBidder(server, name) {
  const email = `${Math.random().toString(36).slice(2)}@browser.test`;
  const body = { email, password: 'bidder-password', real_name: name, id_number: idNumber(), phone: '13800138000' };
  await server.api('POST', '/api/auth/register', { body });
  const session = await server.api('POST', '/api/auth/login', { body: { email, password: body.password } });
  return { email, password: body.password, name, token: session.token, user: session.user };
}

/** Registers `bidder` for the round and pays the deposit in the sandbox, through the API. */
export async function registerAndPayByApi(server, bidder, roundId) {
  const registration = await server.api('POST', `/api/auctions/${roundId}/registrations`, {
    token: bidder.token,
    body: { accept_terms: true },
  });
  await server.api('POST', `/api/payments/${registration.payment.order_id}/sandbox-complete`, { token: bidder.token });
  return registration.bidder_code;
}

/** Opens the page signed in as `bidder` (the session the sign-in page would keep), in `language`. */
export async function openAs(page, server, bidder, path, language = 'zh') {
  await page.goto(`${server.url}/login`);
  await page.evaluate(
    ([token, who, lang]) => {
      localStorage.setItem('fapai.session', JSON.stringify({ token, expires_at: '2099-01-01T00:00:00Z', user: who }));
      localStorage.setItem('fapai.language', lang);
    },
    [bidder.token, bidder.user, language],
  );
  await page.goto(`${server.url}${path}`);
}

/** Whether the page scrolls sideways, and where an element's box lies against the viewport. */
export async function layout(page, locator) {
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth, height: innerHeight }));
  const box = locator ? await locator.boundingBox() : null;
  const inside =
    box !== null && box.x >= 0 && box.y >= 0 && box.x + box.width <= widths.inner + 0.5 && box.y + box.height <= widths.height + 0.5;
  return { ...widths, box, inside };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A valid resident ID number (GB 11643) that no other test uses. */
export function idNumber() {
  const birth = `19${String(50 + Math.floor(Math.random() * 40))}0${1 + Math.floor(Math.random() * 9)}1${Math.floor(Math.random() * 9)}`;
  const first17 = `330102${birth}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** The digits and point of an amount as shown (`¥3,060,000.00` → `3060000.00`). */
export function amountOf(text) {
  return (text ?? '').replace(/[^0-9.]/g, '');
}
