// web/js/app.js: the console's entry point: the page shell (header, navigation, live-updates
// indicator, who is signed in), the hash router (#/login, #/tasks, #/new, #/tasks/ID) and the
// session. Each page is a module exporting render(main, params, ctx) -> cleanup function.
import { h, fill } from './dom.js';
import { sessionGet, sessionLogout, setUnauthorizedHandler, streamTasks } from './api.js';
import * as store from './store.js';
import * as loginPage from './login.js';
import * as tasksPage from './tasks.js';
// the wizard and the task page (with uPlot) load when first opened: the list needs neither
const wizardPage = { render: async (...a) => (await import('./wizard.js')).render(...a) };
const taskPage = { render: async (...a) => (await import('./task.js')).render(...a) };

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const live = document.getElementById('live');
const userBox = document.getElementById('user');
let session = null;
let cleanup = null;
let stopStream = null;
let wasDown = false;
let routeSeq = 0;

function parse() {
    const hash = location.hash.replace(/^#/, '') || '/tasks';
    const [path, query = ''] = hash.split('?');
    const params = Object.fromEntries(new URLSearchParams(query));
    let m;
    if (path === '/login') return { page: loginPage, name: 'login', params };
    if (path === '/new') return { page: wizardPage, name: 'new', params };
    if ((m = /^\/tasks\/([^/]+)$/.exec(path))) return { page: taskPage, name: 'task', params: { ...params, id: m[1] } };
    return { page: tasksPage, name: 'tasks', params };
}

export function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
}

async function route() {
    const r = parse();
    if (!session && r.name !== 'login') {
        const back = location.hash && !location.hash.startsWith('#/login') ? location.hash : '#/tasks';
        sessionStorage.setItem('hm-after-login', back);
        go('#/login');
        return;
    }
    if (cleanup) { try { cleanup(); } catch { /* a view's cleanup never stops navigation */ } }
    cleanup = null;
    for (const a of nav.querySelectorAll('a')) {
        if (a.dataset.route === r.name) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
    }
    nav.hidden = !session;
    // each page renders into its own container: a page still loading when the user has moved on
    // draws into a detached node, never beside the next page
    const my = ++routeSeq;
    const view = h('div');
    fill(main, view);
    let c = null;
    try {
        c = await r.page.render(view, r.params, { go, session, onLogin }) || null;
    } catch (e) {
        fill(view, h('p.error', { role: 'alert' }, `This page could not be shown (${e.message}): reload it.`));
    }
    if (my !== routeSeq) { if (c) c(); return; }
    cleanup = c;
    main.focus({ preventScroll: true });
}

function startLive() {
    if (stopStream) return;
    stopStream = streamTasks((t) => store.upsert(t), () => store.loadAll().catch(() => {}), (ok) => {
        if (ok && wasDown) store.loadAll().catch(() => {});
        wasDown = !ok;
        live.textContent = ok ? 'Live' : 'Reconnecting…';
        live.className = ok ? 'live on' : 'live off';
        live.title = ok ? 'Updates arrive as they happen' : 'The event stream is down; reconnecting';
    });
}

function showUser() {
    if (!session) { fill(userBox); return; }
    fill(userBox, h('span', { 'aria-label': 'Signed in as' }, session.user || 'token'), ' ',
        h('button.link', { type: 'button', onclick: signOut }, 'Sign out'));
}

async function signOut() {
    try { await sessionLogout(); } catch { /* the cookie is gone either way for us */ }
    session = null;
    if (stopStream) { stopStream(); stopStream = null; }
    live.textContent = '';
    showUser();
    go('#/login');
}

function onLogin(s) {
    session = s;
    showUser();
    startLive();
    const back = sessionStorage.getItem('hm-after-login') || '#/tasks';
    sessionStorage.removeItem('hm-after-login');
    go(back);
}

setUnauthorizedHandler(() => {
    if (!session) return;
    session = null;
    if (stopStream) { stopStream(); stopStream = null; }
    showUser();
    sessionStorage.setItem('hm-after-login', location.hash);
    go('#/login');
});

async function boot() {
    // the list is the first page most of the time: take it (index.html preloads it) while the
    // session is checked
    if (parse().name === 'tasks') store.prefetch();
    try {
        session = await sessionGet();
    } catch (e) {
        fill(main, h('p.error', { role: 'alert' }, e.message));
        return;
    }
    showUser();
    if (session) startLive();
    window.addEventListener('hashchange', route);
    route();
}
boot();
