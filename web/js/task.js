// web/js/task.js: the Task page: the stage timeline, what the task is doing now (rows, bytes,
// MB/s, ETA; while syncing the applied position, GTID, lag and trx/s), live charts, per-table
// progress, the event log, the last verification (equal, or each differing row by table, kind,
// key and columns, with the fix SQL to download), and the actions (Verify, Finish, Terminate,
// Retry, Failover, Clean target ...).
// The task itself comes live from the store (server-sent events); tables, events and samples
// are fetched every few seconds while the page is open and the task is running.
import { h, fill, errorBox } from './dom.js';
import { get, ApiError } from './api.js';
import * as store from './store.js';
import * as actions from './actions.js';
import { badge, progressCell } from './tasks.js';
import { taskCharts } from './charts.js';
import { checkItems, resultOf } from './wizard.js';
import {
    endpoint, modeName, num, bytes, duration, lagSeconds, when, clock, relative, isoAttr, progressOf,
    lastError, finalPosition, appliedPosition, appliedGtid, RUNNING, lagOf,
} from './format.js';

const STAGES = ['checked', 'queued', 'copying', 'syncing', 'finished'];

function timeline(t) {
    const stages = t.mode === 'full' ? STAGES.filter((s) => s !== 'syncing') : STAGES;
    const pos = { created: -1, checking: -0.5, checked: 0, queued: 1, copying: 2, syncing: 3, finishing: 3.5, finished: 4 };
    let at = pos[t.state];
    const off = at === undefined; // failed, terminating, terminated: where it stopped
    if (off) {
        const e = lastError(t);
        const where = (e && e.stage) || progressOf(t).stage;
        at = { copy: 2, sync: 3, check: -0.5, ...pos }[where] ?? (progressOf(t).rows_copied ? 2 : 1);
    }
    const idx = (s) => pos[s] - (t.mode === 'full' && pos[s] > 3 ? 1 : 0);
    const cur = t.mode === 'full' && at > 3 ? at - 1 : at;
    return h('ol.timeline', { 'aria-label': 'Stages' }, stages.map((s) => {
        const i = idx(s);
        const state = t.state === 'finished' || i < cur ? 'done' : (Math.floor(cur) === i ? (off ? 'stopped' : 'current') : 'todo');
        const label = state === 'current' && t.state === 'finishing' ? 'finishing' : s;
        return h('li', { class: state, 'aria-current': state === 'current' || state === 'stopped' ? 'step' : undefined },
            h('span.dot', { 'aria-hidden': 'true' }), h('span.lbl', label),
            state === 'stopped' ? h('span.off', ` (${t.state})`) : null,
            h('span.sr', state === 'done' ? ' (done)' : state === 'current' ? ' (now)' : ''));
    }));
}

// Why a queued task has not started: hotmigd runs one task per target server at a time, and at
// most --max-copying copies at once. (The API does not say which; this reads it from the list.)
function waitReason(t) {
    const same = store.all().filter((o) => String(o.id) !== String(t.id) && endpoint(o.target) === endpoint(t.target) &&
        ['copying', 'syncing', 'finishing', 'terminating'].includes(o.state));
    if (same.length) {
        return `Queued: waits for ${same.map((o) => `${o.name} (${o.state})`).join(', ')}, which uses the same target ` +
            `${endpoint(t.target)}; it starts by itself when that task ends.`;
    }
    return 'Queued: starts by itself as soon as a copy slot is free (hotmigd copies a limited number of tasks at once).';
}

// positions and GTIDs are long tokens: their stat takes the whole row (no break inside a token)
const WIDE = new Set(['position', 'gtid', 'final']);
// "file:pos · GTID 0-1-2447": lines break at the separators only, not at a GTID's hyphens
const nowrapParts = (s) => s.split(' · ').map((p, i) => [i ? ' · ' : '', h('span.tok', p)]);
function stat(label, value, id) { return h(WIDE.has(id) ? 'div.stat.wide' : 'div.stat', h('dt', label), h('dd', { dataset: { stat: id } }, value)); }

function stats(t) {
    const p = progressOf(t);
    const total = p.rows_estimated ?? p.rows_total;
    const eta = p.eta_s ?? p.eta_seconds;
    const lag = lagOf(p);
    const mbps = p.mb_per_sec ?? (p.bytes_per_sec !== undefined ? p.bytes_per_sec / 1048576 : undefined);
    const items = [
        stat('Rows copied', `${num(p.rows_copied)}${total && t.state === 'copying' ? ` of about ${num(total)}` : ''}`, 'rows'),
        stat('Data copied', bytes(p.bytes_copied), 'bytes'),
    ];
    if (t.state === 'copying') {
        items.push(stat('Speed', mbps !== undefined ? `${(+mbps).toFixed(1)} MB/s` : '–', 'speed'), stat('ETA', duration(eta), 'eta'));
    }
    if (p.tables_total !== undefined) items.push(stat('Tables', `${num(p.tables_done ?? p.tables_copied)} of ${num(p.tables_total)} copied`, 'tables'));
    if (['syncing', 'finishing'].includes(t.state) || (p.stage === 'sync' && t.state !== 'finished')) {
        items.push(
            stat('Lag', lag !== undefined && lag !== null
                ? `${lagSeconds(lag)}${p.lag_bytes !== null && p.lag_bytes !== undefined ? ` · ${bytes(p.lag_bytes)} of binlog` : ''}` : '–', 'lag'),
            stat('Transactions/s', p.trx_per_sec !== undefined ? (+p.trx_per_sec).toFixed(0) : '–', 'trx'),
            stat('Transactions applied', num(p.trx_applied), 'trx-applied'),
            stat('Applied position', appliedPosition(t) || '–', 'position'),
            stat('Applied GTID', appliedGtid(t) || '–', 'gtid'));
    }
    const fp = finalPosition(t);
    if (fp) {
        const f = t.final || {};
        if (f.trx_applied !== undefined) items.push(stat('Transactions applied', num(f.trx_applied), 'trx-applied'));
        if (f.source_locked !== undefined) items.push(stat('Source set read-only', f.source_locked ? 'yes' : 'no', 'locked'));
        items.push(stat('Final position', h('code.final', nowrapParts(fp)), 'final'));
    }
    return h('dl.stats', items);
}

function tablesView(list) {
    if (!list.length) return h('p.empty', 'No table has started yet.');
    return h('div.tablewrap', h('table.tbls',
        h('caption.sr', 'Per-table progress'),
        h('thead', h('tr', ['Table', 'State', 'Rows copied', 'Data', 'Rows applied'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', list.map((x) => {
            const est = +x.rows_estimated || 0;
            const pc = x.state === 'copied' || x.state === 'syncing' ? 100 : (est ? Math.min(100, (100 * (+x.rows_copied || 0)) / est) : null);
            return h('tr',
                h('th', { scope: 'row', dataset: { label: 'Table' } }, `${x.db}.${x.table}`),
                h('td', { dataset: { label: 'State' } }, x.state),
                h('td', { dataset: { label: 'Rows copied' } }, h('span', `${num(x.rows_copied)}${est && pc !== 100 ? ` / ${num(est)}` : ''} `,
                    pc === null ? null : h('progress', { max: 100, value: pc, 'aria-label': `${x.db}.${x.table} copied` }))),
                h('td', { dataset: { label: 'Data' } }, bytes(x.bytes_copied)),
                h('td', { dataset: { label: 'Rows applied' } }, num(x.rows_applied)));
        }))));
}

function eventsView(list) {
    if (!list.length) return h('p.empty', 'No events yet.');
    return h('ol.events', { reversed: true, tabindex: 0, 'aria-label': 'Event log, newest first' }, [...list].reverse().slice(0, 300).map((e) => h('li', { class: `k-${e.kind || ''} lv-${e.level || ''}` },
        h('time', { datetime: isoAttr(e.at), title: when(e.at) }, clock(e.at)), ' ',
        e.kind ? h('span.kind', e.kind) : null, ' ',
        h('span.msg', e.message || (e.state ? `state: ${e.state}` : '')),
        e.who ? h('span.who', ` (${e.who})`) : null)));
}

// The last verification (GET /tasks/ID/verify), or null before the first.
function verifyView(v, id) {
    if (!v) return h('p.empty', 'Not verified yet. Verify compares every selected table row by row (while the task syncs, at common points with the sync).');
    const mode = v.mode === 'common_points' ? 'at common points with the running sync' : 'live tables (differing chunks re-checked)';
    const time = h('p.sub', 'Started ', h('time', { datetime: isoAttr(v.started_at) }, when(v.started_at)),
        v.finished_at ? [', ended ', h('time', { datetime: isoAttr(v.finished_at) }, when(v.finished_at))] : null, ` · ${mode}`);
    if (v.state === 'running') return h('div', h('p', { role: 'status', dataset: { verify: 'running' } }, 'Verifying…'), time);
    if (v.state === 'failed') {
        return h('div', h('p.error', { dataset: { verify: 'failed' } }, h('strong', 'Verification failed: '), v.message || v.code || ''), time);
    }
    const pts = v.common_points ? h('p', `Compared at ${num(v.common_points)} common point${v.common_points === 1 ? '' : 's'}; the sync paused ${(+v.pause_ms_max || 0).toFixed(1)} ms at most.`) : null;
    const summary = `${num(v.tables)} table${v.tables === 1 ? '' : 's'}, ${num(v.rows_compared)} rows compared`;
    if (v.equal) {
        return h('div', h('p.ok', { role: 'status', dataset: { verify: 'equal' } }, h('strong', 'Equal: '), `the target holds the source's rows (${summary}).`), pts, time,
            v.slow_tables ? h('p.hint', `Compared as multisets (no key, slow): ${v.slow_tables}`) : null);
    }
    const n = (+v.missing || 0) + (+v.extra || 0) + (+v.changed || 0);
    const list = v.diffs || [];
    return h('div',
        h('p.error', { dataset: { verify: 'differs' } }, h('strong', `${num(n)} difference${n === 1 ? '' : 's'}: `),
            `${num(v.missing)} missing, ${num(v.extra)} extra, ${num(v.changed)} changed rows on the target in ${v.differ_tables} (${summary}).`),
        v.source_written ? h('p.hint', `The source was being written during the comparison (${v.written_tables}): a difference was reported only when it held through the re-checks.`) : null,
        pts, time,
        h('p', h('a', { href: `/api/v1/tasks/${encodeURIComponent(id)}/verify/fix.sql`, download: `verify-fix-task-${id}.sql` }, 'Download the fix SQL'),
            ` (${num(v.fix_statements)} statements: apply them to the target, then verify again)`),
        h('div.tablewrap', h('table.tbls.diffs',
            h('caption.sr', 'Rows that differ'),
            h('thead', h('tr', ['Table', 'Kind', 'Key', 'Columns'].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', list.map((d) => h('tr',
                h('th', { scope: 'row', dataset: { label: 'Table' } }, `${d.db}.${d.table}`),
                h('td', { dataset: { label: 'Kind' } }, d.kind + (d.copies > 1 ? ` (${num(d.copies)} copies)` : '')),
                h('td', { dataset: { label: 'Key' } }, h('code', d.key)),
                h('td', { dataset: { label: 'Columns' } }, d.columns || '–')))))),
        v.diffs_more ? h('p.hint', `… and ${num(v.diffs_more)} more (the fix SQL has them all).`) : null);
}

export function render(main, params, ctx) {
    const id = params.id;
    const actErr = errorBox();
    const head = h('div');
    const body = h('div');
    const tablesBox = h('div');
    const eventsBox = h('div');
    const checkBox = h('div');
    const verifyBox = h('div', { 'aria-live': 'polite' });
    const charts = taskCharts();
    main.append(head, actErr.el, body,
        h('section.card', { 'aria-labelledby': 'charts-h' }, h('h2', { id: 'charts-h' }, 'Throughput and lag'), charts.el),
        h('section.card', { id: 'verify-card', 'aria-labelledby': 'verify-h' }, h('h2', { id: 'verify-h' }, 'Verification'), verifyBox),
        h('section.card', { 'aria-labelledby': 'tables-h' }, h('h2', { id: 'tables-h' }, 'Tables'), tablesBox),
        h('section.card', { 'aria-labelledby': 'events-h' }, h('h2', { id: 'events-h' }, 'Events'), eventsBox),
        checkBox);
    charts.mount();
    let lastSeq = 0, lastSample = 0, events = [], alive = true, timer = null, lastKey = '', vTimer = null, vKey = '';

    // the verification: fetched at open, when the task's actions change (a verify hides them
    // while it runs) or a verify event arrives, and every second while it runs
    const loadVerify = async () => {
        if (vTimer) { clearTimeout(vTimer); vTimer = null; }
        let v = null;
        try { v = await get(`/tasks/${encodeURIComponent(id)}/verify`); } catch (e) {
            if (!(e instanceof ApiError && e.status === 404)) { if (alive) fill(verifyBox, h('p.error', e.message)); return; }
        }
        if (!alive) return;
        fill(verifyBox, verifyView(v, id));
        if (v && v.state === 'running') vTimer = setTimeout(loadVerify, 1000);
    };

    const draw = (t) => {
        const e = lastError(t);
        const scheduled = t.start_at && ['queued', 'checked', 'created'].includes(t.state);
        fill(head,
            h('div.pagehead', h('h1', t.name, ' ', badge(t.state)),
                h('div.acts', actions.buttons(t, { err: actErr, ctx, afterDelete: () => ctx.go('#/tasks'), onVerify: (v) => { fill(verifyBox, verifyView(v, id)); loadVerify(); } }))),
            h('p.sub', h('span.ep', endpoint(t.source)), ' → ', h('span.ep', endpoint(t.target)), ` · ${modeName(t.mode)}`,
                t.threads ? ` · ${t.threads} threads` : '', t.apply_threads ? ` · ${t.apply_threads} apply threads` : '', t.max_rows_per_sec ? ` · at most ${num(t.max_rows_per_sec)} rows/s` : '',
                ' · created ', h('time', { datetime: isoAttr(t.created_at) }, when(t.created_at))),
            timeline(t),
            scheduled ? h('p.sched', { role: 'status' }, t.state === 'queued' ? 'Queued: starts by itself at ' : 'Scheduled for ',
                h('time', { datetime: isoAttr(t.start_at) }, when(t.start_at)), ` (${relative(t.start_at)}).`) : null,
            t.state === 'queued' && !(scheduled && new Date(t.start_at) > Date.now()) ? h('p.sched', { role: 'status' }, waitReason(t)) : null,
            e ? h('div.errorbox', { role: 'alert' },
                h('p', h('strong', `${t.state === 'failed' ? 'Failed' : 'Last error'}${e.stage ? ` while ${e.stage}` : ''}: `), e.message),
                e.what_to_do || e.todo || e.hint ? h('p', h('strong', 'What to do: '), e.what_to_do || e.todo || e.hint) : null,
                e.retryable ? h('p.hint', 'This error is retryable: Retry goes on from the checkpoint.') : null) : null);
        const p = progressOf(t);
        const started = ['copying', 'syncing', 'finishing', 'finished'].includes(t.state) || +p.rows_copied > 0 ||
            p.stage === 'sync';
        fill(body, started ? h('section.card', { 'aria-labelledby': 'now-h' }, h('h2', { id: 'now-h' }, 'Progress'),
            h('div.progline', progressCell(t)), stats(t)) : null);
    };

    const refresh = async () => {
        const q = encodeURIComponent(id);
        // the task too: a safety net for a missed server-sent event (a proxy, a reconnect)
        store.loadOne(id).catch(() => {});
        const [tb, ev, sm] = await Promise.allSettled([
            get(`/tasks/${q}/tables`), get(`/tasks/${q}/events?since=${lastSeq}`), get(`/tasks/${q}/samples?since=${lastSample}`)]);
        if (!alive) return;
        if (tb.status === 'fulfilled') fill(tablesBox, tablesView(tb.value.tables || []));
        if (ev.status === 'fulfilled') {
            const nu = ev.value.events || [];
            if (nu.length) {
                events = events.concat(nu.filter((x) => !(+x.seq <= lastSeq)));
                if (lastSeq && nu.some((x) => /^verify/.test(x.message || ''))) loadVerify();
                lastSeq = Math.max(lastSeq, ...nu.map((x) => +x.seq || 0));
                fill(eventsBox, eventsView(events));
            } else if (!events.length) fill(eventsBox, eventsView(events));
        }
        if (sm.status === 'fulfilled') {
            const s = sm.value.samples || [];
            charts.add(s);
            for (const x of s) { const v = +(x.at_ms ?? 0); if (v > lastSample) lastSample = v; }
        }
    };

    const drawCheck = async (t) => {
        if (!['checked', 'created', 'failed'].includes(t.state) || !t.check) { fill(checkBox); return; }
        try {
            const c = await get(`/tasks/${encodeURIComponent(id)}/check`);
            if (!alive || !c.items) return;
            const failed = c.items.filter((i) => resultOf(i.result) === 'FAILED').length;
            fill(checkBox, h('section.card', { 'aria-labelledby': 'check-h' },
                h('h2', { id: 'check-h' }, `Precheck: ${resultOf(c.result)}`, failed ? ` (${failed} failed)` : ''),
                h('details', { open: failed > 0 }, h('summary', `${c.items.length} items, checked ${when(c.checked_at)}`), checkItems(c, { passCollapsed: true }))));
        } catch { fill(checkBox); }
    };

    const tick = async () => {
        timer = null;
        const t = store.byId(id);
        try { await refresh(); } catch { /* next tick */ }
        if (alive) timer = setTimeout(tick, t && RUNNING.has(t.state) ? 2500 : 10000);
    };

    const clockTimer = setInterval(() => {
        const cur = store.byId(id);
        if (cur && cur.start_at && cur.state === 'queued' && new Date(cur.start_at) > Date.now() - 5000) draw(cur);
    }, 1000);
    const unsub = store.subscribe((t) => {
        if (t && String(t.id) !== String(id)) return;
        const cur = store.byId(id);
        if (!cur) return;
        draw(cur);
        const ak = (cur.actions || []).join();
        if (ak !== vKey) { vKey = ak; loadVerify(); }
        const k = `${cur.state}|${cur.check && cur.check.checked_at}`;
        if (k !== lastKey) {
            lastKey = k;
            drawCheck(cur);
            if (timer) { clearTimeout(timer); tick(); }
        }
    });

    store.loadOne(id).then((t) => {
        if (!alive) return;
        draw(t);
        vKey = (t.actions || []).join();
        loadVerify();
        lastKey = `${t.state}|${t.check && t.check.checked_at}`;
        drawCheck(t);
        tick();
        if (params.action === 'finish') head.querySelector('button.primary')?.click();
    }, (e) => fill(head, h('h1', 'Task'), h('p.error', { role: 'alert' }, e.message)));

    return () => { alive = false; unsub(); clearInterval(clockTimer); if (timer) clearTimeout(timer); if (vTimer) clearTimeout(vTimer); charts.destroy(); };
}
