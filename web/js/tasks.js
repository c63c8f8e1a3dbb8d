// web/js/tasks.js: the Tasks page: one row per task (name, source → target, mode, state,
// stage and progress, lag while syncing, scheduled start, created, the actions its state
// allows), a state filter kept in the URL (#/tasks?state=syncing), live through the store.
import { h, fill, errorBox, lazyErrorBox } from './dom.js';
import * as store from './store.js';
import * as actions from './actions.js';
import { STATES, endpoint, short, lagOf, percent, stage, progressOf, lagSeconds, bytes, when, isoAttr, relative } from './format.js';

export function badge(state) {
    return h('span.badge', { class: `s-${state}` }, state);
}

export function progressCell(t) {
    const pc = percent(t);
    const st = stage(t);
    const label = st && st !== t.state && st !== 'none' ? st : '';
    const idle = ['created', 'checking', 'checked', 'queued'].includes(t.state) && !(pc > 0);
    if (idle || (!label && pc === null)) return '';
    return h('div.prog', label ? h('span.stage', label) : null,
        pc === null ? null : [
            h('progress', { max: 100, value: pc, 'aria-label': `Copy progress of ${t.name}` }),
            h('span.pc', `${pc.toFixed(pc < 10 && pc > 0 ? 1 : 0)} %`),
        ]);
}

export function lagText(t) {
    if (t.state !== 'syncing' && t.state !== 'finishing') return '';
    const p = progressOf(t);
    const l = lagOf(p);
    if (l === undefined || l === null) return '';
    return p.lag_bytes === null || p.lag_bytes === undefined ? lagSeconds(l) : `${lagSeconds(l)} · ${bytes(p.lag_bytes)}`;
}

const COLS = ['Name', 'Source → target', 'Mode', 'State', 'Progress', 'Lag', 'Starts', 'Created', 'Actions'];

// A row of the list: ARIA table roles on divs, so that each row can skip layout and paint while
// it is off screen (content-visibility: a table row cannot), which keeps 200+ tasks fast.
function row(t, ctx) {
    const href = `#/tasks/${encodeURIComponent(t.id)}`;
    const cell = (label, ...kids) => h('div.td', { role: 'cell', dataset: { label } }, ...kids);
    const acts = cell('Actions');
    const err = lazyErrorBox(acts);
    acts.append(h('div.acts', actions.buttons(t, { err, ctx, compact: true })));
    return h('div.tr', { role: 'row', dataset: { id: t.id } },
        h('div.td.name', { role: 'rowheader', dataset: { label: 'Name' } }, h('a', { href }, t.name)),
        cell('Source → target', h('span.ep', `${endpoint(t.source)} → ${endpoint(t.target)}`)),
        cell('Mode', t.mode === 'full' ? 'data only' : 'data + sync'),
        cell('State', badge(t.state)),
        cell('Progress', progressCell(t)),
        cell('Lag', lagText(t)),
        cell('Starts', t.start_at && (t.state === 'queued' || t.state === 'checked' || t.state === 'created')
            ? h('time', { datetime: isoAttr(t.start_at), title: relative(t.start_at) }, short(t.start_at)) : ''),
        cell('Created', h('time', { datetime: isoAttr(t.created_at), title: when(t.created_at) }, short(t.created_at))),
        acts);
}

export function render(main, params, ctx) {
    const filter = params.state || '';
    const sel = h('select', {
        id: 'state-filter',
        onchange: () => ctx.go(sel.value ? `#/tasks?state=${encodeURIComponent(sel.value)}` : '#/tasks'),
    }, h('option', { value: '' }, 'All states'), STATES.map((s) => h('option', { value: s, selected: s === filter }, s)));
    const count = h('p.count', { role: 'status' });
    const loadErr = errorBox();
    const tbody = h('div.tbody', { role: 'rowgroup' });
    const table = h('div.tasks', { role: 'table', 'aria-label': 'Migration tasks' },
        h('div.thead', { role: 'rowgroup' }, h('div.tr', { role: 'row' }, COLS.map((c) => h('div.th', { role: 'columnheader' }, c)))),
        tbody);
    const empty = h('p.empty', { hidden: true });

    main.append(
        h('div.pagehead', h('h1', 'Tasks'),
            h('div.tools', h('label', { for: 'state-filter' }, 'State'), sel,
                h('a.button.primary', { href: '#/new' }, 'New task'))),
        loadErr.el, count, table, empty);

    const visible = (t) => !filter || t.state === filter;
    const sorted = () => store.all().filter(visible).sort((a, b) => (+b.id || 0) - (+a.id || 0));
    const rows = new Map();

    const drawAll = () => {
        const list = sorted();
        rows.clear();
        const frag = document.createDocumentFragment();
        for (const t of list) { const r = row(t, ctx); rows.set(String(t.id), r); frag.append(r); }
        fill(tbody, frag);
        if (!loading) performance.mark('hm-tasks-built');
        count.textContent = `${list.length} task${list.length === 1 ? '' : 's'}${filter ? ` ${filter}` : ''}`;
        table.hidden = list.length === 0;
        table.classList.toggle('long', list.length > 40); // rows off screen skip layout (not in full-page shots)
        empty.hidden = list.length !== 0;
        fill(empty, filter ? `No task is ${filter}.` : ['No tasks yet. ', h('a', { href: '#/new' }, 'Create the first one'), '.']);
    };

    let loading = true; // the first full load draws once, when it is complete
    const unsub = store.subscribe((t) => {
        if (loading) return;
        if (!t) return drawAll();
        const old = rows.get(String(t.id));
        if (old && visible(t)) {
            // keep focus on a button that is still there after the row is redrawn
            const focused = old.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
            const nu = row(t, ctx);
            old.replaceWith(nu);
            rows.set(String(t.id), nu);
            if (focused) [...nu.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === focused)?.focus();
        } else if (old || visible(t)) drawAll();
    });

    drawAll();
    store.loadAll().then(() => {
        loading = false;
        performance.mark('hm-tasks-fetched');
        drawAll();
        // after the next paint: what the test of 200 tasks measures
        requestAnimationFrame(() => setTimeout(() => performance.mark('hm-tasks-rendered'), 0));
    }, (e) => { loading = false; loadErr.show(e.message); });
    return unsub;
}
