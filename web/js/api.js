// web/js/api.js: the console's only door to hotmigd's REST API (/api/v1) and its event stream.
// Owns the session's CSRF token (from POST/GET /session) and sends it on every state-changing
// request; turns an error answer {"error": {"code", "message"}} into an ApiError whose message
// is the engine's own sentence, so views show that and never a bare HTTP status.

const BASE = '/api/v1';
let csrf = null;
let onUnauthorized = null;

export class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}

export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let r;
    try {
        r = await fetch(BASE + path, {
            method, headers, credentials: 'same-origin',
            body: body === undefined ? undefined : JSON.stringify(body),
        });
    } catch (e) {
        throw new ApiError(0, 'network', `hotmigd did not answer (${e.message}): is it running and reachable?`);
    }
    let j = null;
    if (r.status !== 204) {
        try { j = await r.json(); } catch { j = null; }
    }
    if (!r.ok) {
        const e = j && j.error;
        if (r.status === 401 && onUnauthorized && path !== '/session') onUnauthorized();
        throw new ApiError(r.status, (e && e.code) || 'http',
            (e && e.message) || describeStatus(r.status));
    }
    return j;
}

// A sentence for an answer that came without one (a proxy in between, a crash).
function describeStatus(s) {
    if (s === 401) return 'Your session has ended: sign in again.';
    if (s === 404) return 'hotmigd does not know this: it may have been deleted.';
    if (s === 413) return 'The request is too large for hotmigd (over 1 MiB).';
    if (s >= 500) return 'hotmigd failed while answering and said nothing more: see its log.';
    return 'hotmigd refused the request without saying why: see its log.';
}

export const get = (p) => api('GET', p);
export const post = (p, b = {}) => api('POST', p, b);
export const patch = (p, b) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);

// ---- the session ----

export async function sessionGet() {
    try {
        const s = await api('GET', '/session');
        csrf = s.csrf_token || null;
        return s;
    } catch (e) {
        if (e.status === 401) return null;
        throw e;
    }
}

export async function sessionLogin(creds) {
    const s = await api('POST', '/session', creds);
    csrf = s.csrf_token || null;
    return s;
}

export async function sessionLogout() {
    try { await api('DELETE', '/session'); } finally { csrf = null; }
}

// ---- live changes: server-sent events of task changes ----
// onTask(task) for every change; onResync() when changes were dropped (reload everything);
// onState(connected). Reconnects by itself (EventSource does, from the last event id).
export function streamTasks(onTask, onResync, onState) {
    const es = new EventSource(BASE + '/events/stream', { withCredentials: true });
    const handle = (ev) => {
        let m;
        try { m = JSON.parse(ev.data); } catch { return; }
        const list = Array.isArray(m) ? m : [m];
        for (const c of list) {
            if (c && c.type === 'task_deleted') onTask({ id: c.id, deleted: true });
            else if (c && c.task) onTask(c.task);
            else if (c && c.id !== undefined && c.state) onTask(c);
        }
    };
    es.onmessage = handle;
    es.addEventListener('task', handle);
    es.addEventListener('task_deleted', handle);
    es.addEventListener('resync', () => onResync());
    es.onopen = () => onState(true);
    es.onerror = () => onState(false);
    return () => es.close();
}
