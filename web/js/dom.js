// web/js/dom.js: the console's one way to build DOM: h('tag.class', {attrs}, ...children).
// Owns nothing; every view builds its elements through it, so text always goes in as text
// (never as HTML: task names and server messages are data, not markup).

export function h(spec, attrs, ...kids) {
    const [tag, ...classes] = spec.split('.');
    const el = document.createElement(tag || 'div');
    if (classes.length) el.className = classes.join(' ');
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
        kids.unshift(attrs);
        attrs = null;
    }
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k in el && typeof v !== 'string') el[k] = v;
        else el.setAttribute(k, v === true ? '' : v);
    }
    add(el, kids);
    return el;
}

function add(el, kids) {
    for (const k of kids) {
        if (k === null || k === undefined || k === false) continue;
        if (Array.isArray(k)) add(el, k);
        else el.append(k instanceof Node ? k : String(k));
    }
}

// Replaces el's children.
export function fill(el, ...kids) {
    el.replaceChildren();
    add(el, kids);
    return el;
}

// The engine's message as a sentence: capital first letter, final full stop.
export function sentence(msg) {
    const m = String(msg || '').trim();
    if (!m) return m;
    return m[0].toUpperCase() + m.slice(1) + (/[.!?:)]$/.test(m) ? '' : '.');
}

let idSeq = 0;
export function uid(prefix) { return `${prefix}-${++idSeq}`; }

// A labelled form field: returns {row, input}. opts: type, value, hint, attrs.
export function field(label, opts = {}) {
    const id = uid('f');
    const hintId = opts.hint ? id + '-hint' : undefined;
    const input = opts.input || h(opts.textarea ? 'textarea' : 'input',
        { id, type: opts.textarea ? undefined : (opts.type || 'text'), 'aria-describedby': hintId, ...opts.attrs });
    if (opts.input) { input.id = id; if (hintId) input.setAttribute('aria-describedby', hintId); }
    if (opts.value !== undefined) input.value = opts.value;
    const row = h('div.field', h('label', { for: id }, label), input,
        opts.hint ? h('p.hint', { id: hintId }, opts.hint) : null);
    return { row, input };
}

// A message area for errors of one place: show(text) / clear(). role=alert announces it.
export function errorBox() {
    const el = h('p.error', { role: 'alert', hidden: true });
    return {
        el,
        show(msg) { el.textContent = sentence(msg); el.hidden = false; },
        clear() { el.textContent = ''; el.hidden = true; },
    };
}

// The same, made only when first shown, inside container (for lists with many rows).
export function lazyErrorBox(container) {
    let box = null;
    return {
        show(msg) { if (!box) { box = errorBox(); container.append(box.el); } box.show(msg); },
        clear() { if (box) box.clear(); },
    };
}

// Opens a modal <dialog> built by build(close) and resolves with what close() was given.
export function modal(title, build) {
    return new Promise((resolve) => {
        const titleId = uid('dlg');
        const dlg = h('dialog', { 'aria-labelledby': titleId });
        const close = (v) => { dlg.close(); dlg.remove(); resolve(v); };
        dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(undefined); });
        dlg.append(h('h2', { id: titleId }, title), build(close));
        document.body.append(dlg);
        dlg.showModal();
        const first = dlg.querySelector('[autofocus], input, button:not([disabled])');
        if (first) first.focus();
    });
}
