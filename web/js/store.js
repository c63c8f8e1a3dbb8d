// web/js/store.js: the console's one copy of the tasks it has seen, kept current by GET /tasks
// and by the server-sent events. Views read it and subscribe; nothing else caches a task.
import { get } from './api.js';

const tasks = new Map();      // id -> task object as the API last gave it
const subs = new Set();       // fn(task|null): null after a full reload

export function all() { return [...tasks.values()]; }
export function byId(id) { return tasks.get(String(id)); }

const stamp = (t) => Date.parse(t.updated_at || '') || 0;

// An answer to an action (POST .../terminate: "terminating") can arrive after the event of
// the next change (terminated): a task never goes back to an older version of itself.
export function upsert(t) {
    if (!t || t.id === undefined) return;
    if (t.deleted) { tasks.delete(String(t.id)); emit(null); return; }
    const have = tasks.get(String(t.id));
    if (have && stamp(have) > stamp(t)) return;
    tasks.set(String(t.id), t);
    emit(t);
}
export function remove(id) { tasks.delete(String(id)); emit(null); }

// GET /tasks started early (at boot, beside GET /session), taken by the next loadAll.
let early = null;
export function prefetch() { early = get('/tasks').catch(() => null); }

export async function loadAll() {
    const pre = early;
    early = null;
    const r = (pre && await pre) || await get('/tasks');
    const before = new Map(tasks);
    tasks.clear();
    for (const t of r.tasks || []) {
        const have = before.get(String(t.id));
        tasks.set(String(t.id), have && stamp(have) > stamp(t) ? have : t);
    }
    emit(null);
}

export async function loadOne(id) {
    const t = await get(`/tasks/${encodeURIComponent(id)}`);
    upsert(t);
    return t;
}

export function subscribe(fn) { subs.add(fn); return () => subs.delete(fn); }
function emit(t) { for (const fn of subs) fn(t); }
