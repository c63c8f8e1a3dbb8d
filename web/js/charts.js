// web/js/charts.js: the task page's live charts (uPlot, vendored in web/vendor/): throughput and
// lag over the task's life, fed by GET /tasks/ID/samples. Owns its uPlot instances and its
// copies of the samples; chart.add(samples) appends, chart.destroy() frees.
import uPlot from '../vendor/uplot.mjs';
import { h } from './dom.js';
import { toDate, lagSeconds } from './format.js';

const pick = (s, ...names) => { for (const n of names) if (s[n] !== undefined && s[n] !== null) return +s[n]; return null; };
const sampleTime = (s) => { const d = toDate(s.at_ms ?? s.at); return d ? d.getTime() / 1000 : null; };

function makeChart(el, title, series, yLabel, y2Label) {
    const opts = {
        width: Math.max(260, el.clientWidth || 600), height: 180,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        // from 0, and at least 0..1 so a flat zero line sits at the bottom, not mid-chart
        scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] },
            y2: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] } },
        // local clock times on one line (uPlot's default adds a date line that overlaps); ticks at
        // least 100 px apart, room for "01:19:40 PM" even on a phone
        axes: [{ stroke: '#444', space: 100, values: (u, splits) => {
            const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
            const f = span < 600 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' };
            return splits.map((v) => new Date(v * 1000).toLocaleTimeString([], f));
        } }, { label: yLabel, stroke: '#444', size: 60 },
            ...(y2Label ? [{ scale: 'y2', side: 1, label: y2Label, stroke: '#444', size: 60, grid: { show: false } }] : [])],
        series: [{}, ...series.map((s) => ({ label: s.label, scale: s.scale || 'y', stroke: s.color, width: 2, fill: s.fill, points: { show: false } }))],
    };
    return new uPlot(opts, [[], ...series.map(() => [])], el);
}

// uPlot's stylesheet, added the first time a chart is drawn (the other pages do without it)
function loadCss() {
    if (document.querySelector('link[data-uplot]')) return;
    document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/uplot.css', dataset: { uplot: '1' } }));
}

export function taskCharts() {
    const thrEl = h('div.plot');
    const lagEl = h('div.plot');
    const thrCap = h('figcaption');
    const lagCap = h('figcaption');
    const empty = h('p.empty', 'The charts start with the task\'s first progress sample.');
    const el = h('div.charts',
        h('figure', { 'aria-label': 'Throughput chart' }, h('h3', 'Throughput'), thrEl, thrCap),
        h('figure', { 'aria-label': 'Lag chart' }, h('h3', 'Lag'), lagEl, lagCap));
    const xs = [], rows = [], trx = [], lag = [];
    let prev = null, thr = null, lg = null, ro = null;

    const caption = () => {
        const n = xs.length;
        el.classList.toggle('nodata', n === 0);
        empty.hidden = n !== 0;
        const last = n ? new Date(xs[n - 1] * 1000).toLocaleTimeString() : null;
        thrCap.textContent = n ? `${n} samples, last at ${last}: ${fmt(rows[n - 1])} rows/s copied, ${fmt(trx[n - 1])} trx/s applied` : 'No samples yet.';
        lagCap.textContent = n ? `${n} samples, last at ${last}: lag ${lagSeconds(lag[n - 1])}` : 'No samples yet.';
    };
    const fmt = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString());

    return {
        el: h('div', empty, el),
        mount() {
            loadCss();
            thr = makeChart(thrEl, 'Throughput', [
                { label: 'rows/s copied', color: '#1f5fbf', fill: 'rgba(31,95,191,0.08)' },
                { label: 'trx/s applied', color: '#b3470c', scale: 'y2' }], 'rows/s', 'trx/s');
            lg = makeChart(lagEl, 'Lag', [{ label: 'lag (s)', color: '#6b2fa3', fill: 'rgba(107,47,163,0.08)' }], 'seconds');
            ro = new ResizeObserver(() => {
                for (const [c, e] of [[thr, thrEl], [lg, lagEl]]) c.setSize({ width: Math.max(260, e.clientWidth), height: 180 });
            });
            ro.observe(el);
            caption();
        },
        add(samples) {
            for (const s of samples) {
                const x = sampleTime(s);
                if (x === null || (xs.length && x <= xs[xs.length - 1])) continue;
                const r = pick(s, 'rows_copied', 'rows');
                let rate = pick(s, 'rows_per_sec');
                if (rate === null && prev && r !== null && prev.r !== null && x > prev.x) rate = Math.max(0, (r - prev.r) / (x - prev.x));
                prev = { x, r };
                xs.push(x);
                rows.push(rate ?? 0);
                trx.push(pick(s, 'trx_per_sec', 'trx_s') ?? 0);
                lag.push(s.stage === 'copy' ? null : pick(s, 'lag_s', 'lag_seconds'));
            }
            if (thr) { thr.setData([xs, rows, trx]); lg.setData([xs, lag]); }
            caption();
        },
        get count() { return xs.length; },
        destroy() { if (ro) ro.disconnect(); if (thr) thr.destroy(); if (lg) lg.destroy(); },
    };
}
