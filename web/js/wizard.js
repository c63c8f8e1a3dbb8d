// web/js/wizard.js: the Create-task wizard, in the seed's four steps:
//   1. name, source, target (each with Test connection)   POST /connections/test
//   2. what to move: databases -> tables, search, select,   POST /catalog
//      foreign-key parents outside the selection ("Add parents")
//   3. mode, threads, apply threads, throttle, start now or at a local time (sent in UTC)
//      -> creates the task (POST /tasks, or PATCH when going through again)
//   4. the precheck: items, fixes with Copy, Re-check; Start is disabled while an item FAILS
// The wizard's state lives in `w` for as long as the page is open.
import { h, fill, field, errorBox, uid } from './dom.js';
import { post, patch, get } from './api.js';
import * as store from './store.js';
import { bytes, num, utcOffset, MODES } from './format.js';

const STEPS = ['Source and target', 'What to move', 'How and when', 'Precheck'];

export function render(main, _params, ctx) {
    const w = {
        step: 1, name: '', source: '', sourcePw: '', target: '', targetPw: '',
        catalog: null, catalogKey: '', selected: new Set(), mode: 'full+incremental', threads: 4, applyThreads: '', throttle: '',
        when: 'now', at: '', task: null,
    };
    const stepper = h('ol.stepper', { 'aria-label': 'Steps' });
    const body = h('section.card.wizard', { 'aria-labelledby': 'wiz-step-title' });
    main.append(h('div.pagehead', h('h1', 'New task')), stepper, body);
    let cleanup = null;

    const show = (n) => {
        if (cleanup) { cleanup(); cleanup = null; }
        w.step = n;
        fill(stepper, STEPS.map((s, i) => h('li', {
            class: i + 1 < n ? 'done' : (i + 1 === n ? 'current' : ''),
            'aria-current': i + 1 === n ? 'step' : undefined,
        }, h('span.n', `${i + 1}`), ' ', s)));
        fill(body, h('h2', { id: 'wiz-step-title', tabindex: -1 }, `Step ${n} of 4: ${STEPS[n - 1]}`));
        cleanup = [step1, step2, step3, step4][n - 1](body, w, show, ctx) || null;
        body.querySelector('h2').focus();
    };
    show(1);
    return () => { if (cleanup) cleanup(); };
}

// ---- step 1 ----

function endpointFields(label, w, key) {
    const uri = field(`${label} URI`, {
        value: w[key], hint: 'mysql://USER@HOST:PORT (the password goes in the next field)',
        attrs: { autocomplete: 'off', spellcheck: 'false', placeholder: 'mysql://migrator@db1.example:3306' },
    });
    const pw = field(`${label} password`, { type: 'password', value: w[key + 'Pw'], attrs: { autocomplete: 'off' } });
    const out = h('output.test', { 'aria-live': 'polite' });
    const btn = h('button', {
        type: 'button',
        onclick: async () => {
            btn.disabled = true;
            out.className = 'test';
            out.textContent = 'Connecting…';
            try {
                const r = await post('/connections/test', { uri: uri.input.value.trim(), password: pw.input.value || undefined });
                out.className = r.ok ? 'test ok' : 'test bad';
                out.textContent = r.ok ? `Connected: ${r.version}` : r.message;
            } catch (e) {
                out.className = 'test bad';
                out.textContent = e.message;
            } finally { btn.disabled = false; }
        },
    }, `Test ${label.toLowerCase()} connection`);
    const sync = () => { w[key] = uri.input.value.trim(); w[key + 'Pw'] = pw.input.value; };
    uri.input.addEventListener('input', sync);
    pw.input.addEventListener('input', sync);
    return h('fieldset.endpoint', h('legend', label), uri.row, pw.row, h('div.testrow', btn, out));
}

function step1(body, w, show) {
    const err = errorBox();
    const name = field('Task name', { value: w.name, hint: 'Unique; up to 64 letters, digits, . _ or -, starting with a letter or digit.', attrs: { autocomplete: 'off', spellcheck: 'false' } });
    name.input.addEventListener('input', () => { w.name = name.input.value.trim(); });
    body.append(h('form', {
        novalidate: true,
        onsubmit: (e) => {
            e.preventDefault();
            err.clear();
            if (!w.name) return err.show('Give the task a name.');
            if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(w.name)) {
                return err.show('The task name takes up to 64 letters, digits, . _ or -, starting with a letter or digit.');
            }
            if (!/^mysql:\/\//.test(w.source)) return err.show('The source URI must start with mysql:// (mysql://USER@HOST:PORT).');
            if (!/^mysql:\/\//.test(w.target)) return err.show('The target URI must start with mysql:// (mysql://USER@HOST:PORT).');
            show(2);
        },
    }, name.row, h('div.pair', endpointFields('Source', w, 'source'), endpointFields('Target', w, 'target')),
    err.el, h('div.actions', h('button.primary', { type: 'submit' }, 'Next: what to move'))));
    // an error about these fields found when the task was saved (step 3) is shown here, where they are
    if (w.step1Error) { err.show(w.step1Error); w.step1Error = ''; }
}

// ---- step 2 ----

const key = (db, t) => `${db}.${t}`;

// Tables selected whose FK parents are not: [{child, parent}]
function missingParents(w) {
    const out = [];
    const known = new Set();
    for (const d of w.catalog.databases) for (const t of d.tables) known.add(key(d.name, t.name));
    for (const d of w.catalog.databases) {
        for (const t of d.tables) {
            if (!w.selected.has(key(d.name, t.name))) continue;
            for (const p of t.fk_parents || []) {
                if (p !== key(d.name, t.name) && !w.selected.has(p)) out.push({ child: key(d.name, t.name), parent: p, known: known.has(p) });
            }
        }
    }
    return out;
}

function step2(body, w, show) {
    const err = errorBox();
    const status = h('p', { role: 'status' }, 'Reading the source\'s databases…');
    const search = h('input', { type: 'search', id: uid('q'), placeholder: 'database or table', autocomplete: 'off' });
    const tree = h('div.tree', { role: 'group', 'aria-label': 'Databases and tables' });
    const summary = h('p.summary', { role: 'status' });
    const warn = h('div.warn', { hidden: true, role: 'region', 'aria-label': 'Foreign-key parents not selected' });
    const next = h('button.primary', { type: 'submit' }, 'Next: how and when');
    const dbBoxes = [];

    const redraw = () => {
        const q = search.value.trim().toLowerCase();
        let rows = 0, size = 0;
        for (const d of w.catalog.databases) {
            for (const t of d.tables) if (w.selected.has(key(d.name, t.name))) { rows += +t.rows || 0; size += +t.data_bytes || 0; }
        }
        for (const { d, box, li, items } of dbBoxes) {
            const n = d.tables.filter((t) => w.selected.has(key(d.name, t.name))).length;
            box.checked = n > 0 && n === d.tables.length;
            box.indeterminate = n > 0 && n < d.tables.length;
            let anyShown = !q || d.name.toLowerCase().includes(q);
            for (const { t, cb, row } of items) {
                cb.checked = w.selected.has(key(d.name, t.name));
                const shown = !q || d.name.toLowerCase().includes(q) || t.name.toLowerCase().includes(q);
                row.hidden = !shown;
                anyShown ||= shown;
            }
            li.hidden = !anyShown;
            if (q && anyShown) { const l = li.querySelector('ul.tables'); l.hidden = false; li.querySelector('.twisty').setAttribute('aria-expanded', 'true'); }
        }
        summary.textContent = w.selected.size
            ? `${w.selected.size} table${w.selected.size === 1 ? '' : 's'} selected: about ${num(rows)} rows, ${bytes(size)}.`
            : 'Nothing selected yet.';
        const miss = missingParents(w);
        warn.hidden = miss.length === 0;
        if (miss.length) {
            const parents = [...new Set(miss.filter((m) => m.known).map((m) => m.parent))];
            fill(warn,
                h('p', h('strong', 'Foreign-key parents are not selected. '),
                    'These tables reference tables that would not be on the target, so the target\'s foreign keys would ' +
                    'point at nothing and inserts there would fail:'),
                h('ul', miss.map((m) => h('li', h('code', m.child), ' references ', h('code', m.parent)))),
                parents.length ? h('button', {
                    type: 'button',
                    onclick: () => { for (const p of parents) w.selected.add(p); redraw(); next.focus(); },
                }, `Add parents (${parents.join(', ')})`) : null);
        }
    };

    const draw = () => {
        fill(tree);
        dbBoxes.length = 0;
        if (!w.catalog.databases.length) { tree.append(h('p', 'The source has no database to move (system databases are never moved).')); return; }
        for (const d of w.catalog.databases) {
            const id = uid('db');
            const box = h('input', {
                type: 'checkbox', id,
                onchange: () => {
                    for (const t of d.tables) { if (box.checked) w.selected.add(key(d.name, t.name)); else w.selected.delete(key(d.name, t.name)); }
                    redraw();
                },
            });
            const dbRows = d.tables.reduce((s, t) => s + (+t.rows || 0), 0);
            const dbSize = d.tables.reduce((s, t) => s + (+t.data_bytes || 0), 0);
            const items = d.tables.map((t) => {
                const tid = uid('t');
                const cb = h('input', {
                    type: 'checkbox', id: tid,
                    onchange: () => { if (cb.checked) w.selected.add(key(d.name, t.name)); else w.selected.delete(key(d.name, t.name)); redraw(); },
                });
                const row = h('li.tbl', cb, h('label', { for: tid }, t.name, h('span.sr', ` in ${d.name}`)),
                    h('span.meta', `${num(t.rows)} rows`), h('span.meta', bytes(t.data_bytes)),
                    t.has_key === false ? h('span.flag', { title: 'No primary or unique key: copied as one stream, slow to sync' }, 'no key') : null,
                    t.engine && t.engine !== 'InnoDB' ? h('span.flag', t.engine) : null,
                    (t.fk_parents || []).length ? h('span.meta.fk', `→ ${(t.fk_parents).join(', ')}`) : null);
                return { t, cb, row };
            });
            const list = h('ul.tables', { id: uid('tl'), hidden: w.catalog.databases.length > 5 }, items.map((x) => x.row));
            const twisty = h('button.twisty', {
                type: 'button', 'aria-expanded': String(!list.hidden), 'aria-controls': list.id,
                'aria-label': `Tables of ${d.name}`,
                onclick: () => { list.hidden = !list.hidden; twisty.setAttribute('aria-expanded', String(!list.hidden)); },
            });
            const li = h('li.db', h('div.dbhead', twisty, box, h('label', { for: id }, h('span.sr', 'Database '), d.name),
                h('span.meta', `${d.tables.length} table${d.tables.length === 1 ? '' : 's'} · ${num(dbRows)} rows · ${bytes(dbSize)}`)),
            list);
            dbBoxes.push({ d, box, li, items });
            tree.append(li);
        }
        tree.replaceChildren(h('ul.dbs', [...tree.childNodes]));
        redraw();
    };

    const setAll = (on) => {
        const q = search.value.trim().toLowerCase();
        for (const d of w.catalog.databases) {
            for (const t of d.tables) {
                if (q && !d.name.toLowerCase().includes(q) && !t.name.toLowerCase().includes(q)) continue;
                if (on) w.selected.add(key(d.name, t.name)); else w.selected.delete(key(d.name, t.name));
            }
        }
        redraw();
    };

    search.addEventListener('input', () => w.catalog && redraw());
    body.append(h('form', {
        novalidate: true,
        onsubmit: (e) => {
            e.preventDefault();
            err.clear();
            if (!w.catalog) return;
            if (!w.selected.size) return err.show('Select at least one table or database.');
            show(3);
        },
    }, status,
    h('div.treetools', h('label', { for: search.id }, 'Search'), search,
        h('button', { type: 'button', onclick: () => setAll(true) }, 'Select all'),
        h('button', { type: 'button', onclick: () => setAll(false) }, 'Select none')),
    tree, summary, warn, err.el,
    h('div.actions', h('button', { type: 'button', onclick: () => show(1) }, 'Back'), next)));

    const ck = `${w.source}\n${w.sourcePw}`;
    if (w.catalog && w.catalogKey === ck) { status.textContent = ''; draw(); return; }
    post('/catalog', { uri: w.source, password: w.sourcePw || undefined }).then((c) => {
        w.catalog = { databases: (c.databases || []).map((d) => ({ ...d, tables: d.tables || [] })) };
        w.catalogKey = ck;
        w.selected.clear();
        status.textContent = '';
        draw();
    }, (e) => { status.textContent = ''; err.show(e.message); });
}

// The include list for the selection: a whole database as "db", else "db.table".
export function includeOf(w) {
    const inc = [];
    for (const d of w.catalog.databases) {
        const sel = d.tables.filter((t) => w.selected.has(key(d.name, t.name)));
        if (sel.length && sel.length === d.tables.length) inc.push(d.name);
        else for (const t of sel) inc.push(key(d.name, t.name));
    }
    return inc;
}

// ---- step 3 ----

function localInputValue(d) {
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function step3(body, w, show) {
    const err = errorBox();
    const radio = (name, value, label, checked, on) => {
        const id = uid('r');
        return h('div.choice', h('input', { type: 'radio', name, id, value, checked, onchange: on }), h('label', { for: id }, label));
    };
    const modes = h('fieldset', h('legend', 'Mode'),
        Object.entries(MODES).reverse().map(([v, l]) => radio('mode', v,
            v === 'full' ? `${l}: copy, then stop` : `${l}: copy, then follow the source until you Finish (default)`,
            w.mode === v, () => { w.mode = v; })));
    const threads = field('Threads', { type: 'number', value: w.threads, hint: 'Parallel copy workers, each with one connection to each server.', attrs: { min: 1, max: 64, step: 1 } });
    const throttle = field('Throttle (rows per second)', { type: 'number', value: w.throttle, hint: 'Leave empty for no limit. Caps rows read from the source, shared by all threads.', attrs: { min: 1, step: 1 } });
    const apply = field('Apply threads (sync)', { type: 'number', value: w.applyThreads, hint: 'Target connections applying independent source transactions in parallel while following the binlog. Empty: hotmig\'s default; 1: one, in source order.', attrs: { min: 1, max: 64, step: 1 } });
    const atIn = h('input', { type: 'datetime-local', step: 1, id: uid('at'), value: w.at || localInputValue(new Date(Date.now() + 3600e3)), disabled: w.when !== 'at' });
    const utcNote = h('p.hint', { id: uid('h') });
    atIn.setAttribute('aria-describedby', utcNote.id);
    const note = () => {
        const d = atIn.value ? new Date(atIn.value) : null;
        utcNote.textContent = `Your local time (${utcOffset(d || new Date())}). ` +
            (d && !Number.isNaN(d.getTime()) ? `Stored in UTC as ${d.toISOString().replace('.000Z', 'Z')}.` : '');
    };
    atIn.addEventListener('input', () => { w.at = atIn.value; note(); });
    note();
    const when = h('fieldset', h('legend', 'Start'),
        radio('when', 'now', 'Now: as soon as the precheck passes and you press Start', w.when === 'now', () => { w.when = 'now'; atIn.disabled = true; }),
        radio('when', 'at', 'At a date and time:', w.when === 'at', () => { w.when = 'at'; atIn.disabled = false; atIn.focus(); }),
        h('div.at', h('label.sr', { for: atIn.id }, 'Start date and time'), atIn, utcNote));
    const create = h('button.primary', { type: 'submit' }, w.task ? 'Save and run the precheck' : 'Create and run the precheck');

    body.append(h('form', {
        novalidate: true,
        onsubmit: async (e) => {
            e.preventDefault();
            err.clear();
            w.threads = threads.input.value;
            w.throttle = throttle.input.value;
            w.applyThreads = apply.input.value;
            const b = {
                name: w.name, source: w.source, target: w.target, mode: w.mode,
                include: includeOf(w), threads: Math.round(+w.threads || 4),
            };
            if (w.sourcePw) b.source_password = w.sourcePw;
            if (w.targetPw) b.target_password = w.targetPw;
            if (w.throttle !== '' && +w.throttle > 0) b.max_rows_per_sec = Math.round(+w.throttle);
            if (w.applyThreads !== '' && +w.applyThreads > 0) b.apply_threads = Math.round(+w.applyThreads);
            else if (w.task) b.apply_threads = 0;
            if (w.when === 'at') {
                const d = new Date(atIn.value);
                if (!atIn.value || Number.isNaN(d.getTime())) return err.show('Give the start date and time, or choose Now.');
                if (d.getTime() < Date.now() - 60e3) return err.show('The start time is in the past: choose a later one, or Now.');
                b.start_at = d.toISOString();
            } else if (w.task) b.start_at = null;
            create.disabled = true;
            try {
                const id = w.task && w.task.id;
                w.task = id ? await patch(`/tasks/${encodeURIComponent(id)}`, b) : await post('/tasks', b);
                store.upsert(w.task);
                show(4);
            } catch (x) {
                if (x.code === 'name_taken' || /field "(name|source|target|source_password|target_password)(\.|"|\[)/.test(x.message)) {
                    w.step1Error = x.message;
                    return show(1);
                }
                err.show(x.message);
                create.disabled = false;
            }
        },
    }, modes, h('div.pair', threads.row, throttle.row), h('div.pair', apply.row), when, err.el,
    h('div.actions', h('button', { type: 'button', onclick: () => show(2) }, 'Back'), create)));
}

// ---- step 4 ----

const RESULT = { pass: 'PASS', passed: 'PASS', ok: 'PASS', warning: 'WARNING', warn: 'WARNING', failed: 'FAILED', fail: 'FAILED' };
export const resultOf = (r) => RESULT[String(r || '').toLowerCase()] || String(r || '').toUpperCase();

// The precheck's items, FAILED first; with passCollapsed, the PASS items fold under one line.
export function checkItems(check, { copyFix = true, passCollapsed = false } = {}) {
    const order = { FAILED: 0, WARNING: 1, PASS: 2 };
    const items = [...(check.items || [])].sort((a, b) => (order[resultOf(a.result)] ?? 3) - (order[resultOf(b.result)] ?? 3));
    const li = (it) => {
        const r = resultOf(it.result);
        return h('li.check', { class: `r-${r}` },
            h('span.badge', { class: `c-${r}` }, r), ' ',
            h('strong.item', it.title || it.id), ' ',
            h('span.msg', it.message || ''),
            it.fix ? h('div.fix', h('pre', h('code', it.fix)), copyFix ? copyButton(it.fix, it.id) : null) : null);
    };
    const pass = items.filter((it) => resultOf(it.result) === 'PASS');
    if (!passCollapsed || !pass.length) return h('ul.checks', items.map(li));
    return h('div', h('ul.checks', items.filter((it) => resultOf(it.result) !== 'PASS').map(li)),
        h('details.passes', h('summary', `${pass.length} item${pass.length === 1 ? '' : 's'} pass`), h('ul.checks', pass.map(li))));
}

function copyButton(text, what) {
    const word = document.createTextNode('Copy');
    const b = h('button.small', {
        type: 'button',
        onclick: async () => {
            try {
                await navigator.clipboard.writeText(text);
                word.data = 'Copied';
            } catch {
                // no clipboard (plain http, permissions): select the text for Ctrl-C instead
                const sel = getSelection();
                sel.selectAllChildren(b.previousSibling);
                word.data = 'Selected: press Ctrl-C to copy';
            }
            setTimeout(() => { word.data = 'Copy'; }, 2500);
        },
    }, word, h('span.sr', ` the fix for ${what}`));
    return b;
}

// Runs the task's precheck and resolves with GET /tasks/ID/check once it is no longer checking.
export async function runCheck(id, { rerun = true } = {}) {
    if (rerun) store.upsert(await post(`/tasks/${encodeURIComponent(id)}/check`, {}));
    for (let i = 0; i < 600; i++) {
        const t = store.byId(id);
        if (t && t.state !== 'checking') break;
        await new Promise((r) => setTimeout(r, i < 10 ? 300 : 1000));
        if (i % 3 === 2) await store.loadOne(id);
    }
    return get(`/tasks/${encodeURIComponent(id)}/check`);
}

function step4(body, w, show, ctx) {
    const err = errorBox();
    const status = h('p', { role: 'status' }, 'Running the precheck on both servers…');
    const results = h('div');
    const reason = h('p.why', { id: uid('why') });
    const recheck = h('button', { type: 'button', disabled: true }, 'Re-check');
    const start = h('button.primary', { type: 'button', disabled: true, 'aria-describedby': reason.id },
        w.when === 'at' ? 'Schedule' : 'Start');
    let alive = true;

    const run = async (rerun) => {
        err.clear();
        recheck.disabled = start.disabled = true;
        status.textContent = 'Running the precheck on both servers…';
        fill(results);
        reason.textContent = '';
        try {
            const c = await runCheck(w.task.id, { rerun });
            if (!alive) return;
            const items = c.items || [];
            const failed = items.filter((i) => resultOf(i.result) === 'FAILED');
            const warns = items.filter((i) => resultOf(i.result) === 'WARNING');
            status.textContent = `Precheck ${resultOf(c.result) || (failed.length ? 'FAILED' : 'PASS')}: ${items.length} items, ` +
                `${failed.length} failed, ${warns.length} warning${warns.length === 1 ? '' : 's'}.`;
            fill(results, checkItems(c, { passCollapsed: true }));
            start.disabled = failed.length > 0;
            reason.className = failed.length ? 'why' : 'hint';
            reason.textContent = failed.length
                ? `Start is disabled while ${failed.length === 1 ? 'an item fails' : 'items fail'}: ${failed.map((i) => i.id).join(', ')}. Fix ${failed.length === 1 ? 'it' : 'them'} on the server, then Re-check.`
                : (w.when === 'at' ? `The task will wait in the queue until ${new Date(w.task.start_at || Date.now()).toLocaleString()}.` : '');
        } catch (x) {
            status.textContent = '';
            err.show(x.message);
        } finally { recheck.disabled = false; }
    };
    recheck.onclick = () => run(true);
    start.onclick = async () => {
        err.clear();
        start.disabled = true;
        try {
            const b = w.when === 'at' && w.task.start_at ? { at: w.task.start_at } : {};
            store.upsert(await post(`/tasks/${encodeURIComponent(w.task.id)}/start`, b));
            ctx.go(`#/tasks/${encodeURIComponent(w.task.id)}`);
        } catch (x) { err.show(x.message); start.disabled = false; }
    };
    body.append(h('p', 'Task ', h('a', { href: `#/tasks/${encodeURIComponent(w.task.id)}` }, w.task.name), ' is saved. hotmig checks both servers before it starts.'),
        status, err.el,
        h('div.actions.lead', h('button', { type: 'button', onclick: () => show(3) }, 'Back'), recheck, start), reason, results);
    run(true);
    return () => { alive = false; };
}
