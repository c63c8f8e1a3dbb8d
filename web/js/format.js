// web/js/format.js: how the console says numbers, sizes, times and a task's facts. The one place
// that knows the task object's field names (docs/openapi.yaml, schema Task): views read a task
// through these helpers only.

export const STATES = ['created', 'checking', 'checked', 'queued', 'copying', 'syncing', 'finishing',
    'finished', 'terminating', 'terminated', 'failed'];
export const RUNNING = new Set(['checking', 'queued', 'copying', 'syncing', 'finishing', 'terminating']);

const nf = new Intl.NumberFormat();
export const num = (n) => (n === undefined || n === null || Number.isNaN(+n)) ? '–' : nf.format(Math.round(+n));

export function bytes(n) {
    if (n === undefined || n === null || Number.isNaN(+n)) return '–';
    n = +n;
    const u = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return `${i ? n.toFixed(n < 10 ? 1 : 0) : n} ${u[i]}`;
}

export function duration(s) {
    if (s === undefined || s === null || !Number.isFinite(+s)) return '–';
    s = Math.max(0, Math.round(+s));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function lagSeconds(s) {
    if (s === undefined || s === null || !Number.isFinite(+s)) return '–';
    if (+s < 1) return `${Math.round(+s * 1000)} ms`;
    return +s < 10 ? `${(+s).toFixed(1)} s` : duration(s);
}

// A time from the API (RFC 3339 or Unix ms), shown in the browser's local time.
export function toDate(v) {
    if (v === undefined || v === null || v === '') return null;
    const d = typeof v === 'number' ? new Date(v > 1e12 ? v : v * 1000) : new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
}
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const tf = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const sf = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
export function short(v) { const d = toDate(v); return d ? sf.format(d) : '–'; }
export function when(v) { const d = toDate(v); return d ? dtf.format(d) : '–'; }
export function clock(v) { const d = toDate(v); return d ? tf.format(d) : '–'; }
export function isoAttr(v) { const d = toDate(v); return d ? d.toISOString() : undefined; }

export function relative(v, now = Date.now()) {
    const d = toDate(v);
    if (!d) return '';
    const s = Math.round((d.getTime() - now) / 1000);
    return s >= 0 ? `in ${duration(s)}` : `${duration(-s)} ago`;
}

// The browser's offset from UTC, as +HH:MM, for "shown in local time" notes.
export function utcOffset(d = new Date()) {
    const m = -d.getTimezoneOffset();
    const a = Math.abs(m);
    return `UTC${m < 0 ? '−' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

// ---- a task's facts ----

// "host:port" of an endpoint, whatever form the API gives it in (never a password).
export function endpoint(e) {
    if (!e) return '–';
    if (typeof e === 'string') return hostPort(e);
    if (e.host) return `${e.host}:${e.port || 3306}`;
    if (e.uri) return hostPort(e.uri);
    return '–';
}
function hostPort(uri) {
    const m = /^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]+)/i.exec(uri);
    return m ? m[1] : uri.replace(/:[^:@/]*@/, '@');
}

export function progressOf(t) { return t.progress || {}; }
export const lagOf = (p) => p.lag_s ?? p.lag_seconds;

// Percent (0..100) of the copy, or null when unknown.
export function percent(t) {
    const p = progressOf(t);
    if (p.percent !== undefined && p.percent !== null) return Math.max(0, Math.min(100, +p.percent));
    if (t.state === 'finished') return 100;
    const done = p.rows_copied, total = p.rows_estimated ?? p.rows_total;
    if (done !== undefined && total) return Math.max(0, Math.min(100, (100 * done) / total));
    return null;
}

// What stage the task is in, in words (the sync's phase while syncing).
export function stage(t) {
    const p = progressOf(t);
    const st = p.phase || p.stage || '';
    return st === 'none' ? '' : st;
}

export const MODES = { 'full+incremental': 'Data + incremental sync', full: 'Data only' };
export const modeName = (m) => MODES[m] || m || '–';

export function lastError(t) {
    const e = t.last_error;
    if (!e) return null;
    if (typeof e === 'string') return { message: e };
    return e;
}

export function finalPosition(t) {
    const p = progressOf(t);
    const f = t.state === 'finished' || t.state === 'finishing' ? (t.final || t.final_position || p.final_position) : null;
    if (!f) return null;
    if (typeof f === 'string') return f;
    const gtid = f.gtid_set || f.gtid;
    return [f.file && `${f.file}:${f.pos ?? f.position}`, gtid && `GTID ${gtid}`].filter(Boolean).join(' · ') || null;
}

export function appliedPosition(t) {
    const p = progressOf(t);
    const a = p.applied_position || p.position;
    if (!a) return p.file ? `${p.file}:${p.pos}` : null;
    if (typeof a === 'string') return a;
    return a.file ? `${a.file}:${a.pos ?? a.position}` : null;
}
export const appliedGtid = (t) => {
    const p = progressOf(t);
    return p.gtid_set || p.gtid || null;
};
