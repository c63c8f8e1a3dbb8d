// web/js/actions.js: the task actions (Check, Start, Finish, Terminate, Retry, Clean target,
// Failover, Verify, Delete) as buttons, with their confirmation dialogs, shared by the tasks list and the task
// page. Which buttons exist comes from the task's "actions" (what its state allows now); an
// action that fails shows the engine's sentence through the caller's error box.
import { h, modal, field, errorBox } from './dom.js';
import { post, del } from './api.js';
import * as store from './store.js';
import { finalPosition, lastError } from './format.js';

export const LABELS = {
    check: 'Check', start: 'Start', finish: 'Finish', terminate: 'Terminate', retry: 'Retry',
    'clean-target': 'Clean target', failover: 'Failover', verify: 'Verify', delete: 'Delete',
};
const ORDER = ['check', 'start', 'verify', 'finish', 'terminate', 'retry', 'failover', 'clean-target', 'delete'];

// failover: only a full+incremental task has a sync to fail over
export function allowed(t) {
    const a = new Set(Array.isArray(t.actions) ? t.actions : []);
    return ORDER.filter((x) => a.has(x) && !(x === 'failover' && t.mode === 'full'));
}

const path = (t, a) => `/tasks/${encodeURIComponent(t.id)}/${a}`;

// Buttons for t's allowed actions. opts: {err: errorBox, ctx, compact, skip: Set}
export function buttons(t, opts) {
    return allowed(t).filter((a) => !(opts.skip && opts.skip.has(a))).map((a) => h('button', {
        type: 'button',
        class: a === 'terminate' || a === 'delete' || a === 'clean-target' ? 'danger' : (a === 'start' || a === 'finish' ? 'primary' : ''),
        'aria-label': opts.compact ? `${LABELS[a]} ${t.name}` : undefined,
        onclick: async (e) => {
            const b = e.currentTarget;
            opts.err.clear();
            b.disabled = true;
            try { await run(t, a, opts); } catch (x) { opts.err.show(x.message); } finally { b.disabled = false; }
        },
    }, LABELS[a]));
}

async function run(t, a, opts) {
    switch (a) {
    case 'finish': return finishDialog(t);
    case 'terminate': return terminateDialog(t);
    case 'clean-target': return cleanDialog(t);
    case 'delete': return deleteDialog(t, opts);
    case 'failover': return failoverDialog(t);
    case 'verify': {
        // the answer is the verification, not the task: the task page shows it (opts.onVerify)
        const v = await post(path(t, 'verify'), {});
        if (opts.onVerify) opts.onVerify(v); else if (opts.ctx) opts.ctx.go(`#/tasks/${encodeURIComponent(t.id)}`);
        return v;
    }
    default: store.upsert(await post(path(t, a), {}));
    }
}

function dialogButtons(close, okLabel, okClass, onOk, okDisabled = false) {
    const ok = h('button', { type: 'submit', class: okClass, disabled: okDisabled }, okLabel);
    return { ok, row: h('div.actions', h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'), ok), onOk };
}

// A dialog whose form posts once; errors stay in the dialog.
function confirmDialog(title, body, okLabel, okClass, act, extra) {
    return modal(title, (close) => {
        const err = errorBox();
        const b = dialogButtons(close, okLabel, okClass);
        const form = h('form', {
            onsubmit: async (e) => {
                e.preventDefault();
                err.clear();
                b.ok.disabled = true;
                try { await act(); close(true); } catch (x) { err.show(x.message); b.ok.disabled = false; }
            },
        }, body, extra ? extra(b.ok) : null, err.el, b.row);
        return form;
    });
}

function terminateDialog(t) {
    return confirmDialog(`Terminate ${t.name}?`,
        h('p', 'The task stops within a few seconds and keeps its checkpoint: Retry goes on from there. ' +
            'The target is left as it is.'),
        'Terminate', 'danger', async () => store.upsert(await post(path(t, 'terminate'), {})));
}

function deleteDialog(t, opts) {
    return confirmDialog(`Delete ${t.name}?`,
        h('p', 'The task and its history leave hotmigd. Nothing changes on the servers.'),
        'Delete', 'danger', async () => {
            await del(`/tasks/${encodeURIComponent(t.id)}`);
            store.remove(t.id);
            if (opts.ctx && opts.afterDelete) opts.afterDelete();
        });
}

function cleanDialog(t) {
    const f = field(`Type the task's name, ${t.name}, to confirm`, { attrs: { autocomplete: 'off', spellcheck: 'false' } });
    return confirmDialog(`Clean the target of ${t.name}?`,
        h('p', 'This drops from the target exactly what this task created there (its databases, tables and ' +
            'other objects) and the task\'s rows in hotmig_meta; nothing else. Use it before running the ' +
            'task again from scratch.'),
        'Clean target', 'danger',
        async () => store.upsert(await post(path(t, 'clean-target'), { confirm: f.input.value })),
        (ok) => {
            ok.disabled = true;
            f.input.addEventListener('input', () => { ok.disabled = f.input.value !== t.name; });
            return f.row;
        });
}

// Failover: the source failed over to a replica; hotmigd checks the new source has every
// transaction the target applied, else refuses with the engine's sentence (shown here).
function failoverDialog(t) {
    const uri = field('New source', { hint: 'mysql://USER@HOST:PORT of the promoted replica (TLS options as for the task)',
        attrs: { autocomplete: 'off', spellcheck: 'false', placeholder: 'mysql://app@10.0.0.6:3306', required: true } });
    const pw = field('Its password', { type: 'password', hint: 'Left empty: the stored source password.',
        attrs: { autocomplete: 'new-password' } });
    return confirmDialog(`Fail over ${t.name} to a new source`,
        h('p', 'Use this when the source failed over to a replica. hotmigd checks that the new source holds every ' +
            'transaction the target has applied; then the task syncs on from the target\'s GTID checkpoint, without ' +
            'copying again.'),
        'Fail over', 'primary',
        async () => {
            const body = { source: uri.input.value.trim() };
            if (pw.input.value) body.source_password = pw.input.value;
            store.upsert(await post(path(t, 'failover'), body));
        },
        () => h('div', uri.row, pw.row));
}

// Finish: stop writes first, optionally set the source read-only, then follow the task to
// finished and show the final position.
function finishDialog(t) {
    return modal(`Finish ${t.name}`, (close) => {
        const err = errorBox();
        const lock = h('input', { type: 'checkbox', id: `lock-${t.id}` });
        const status = h('div', { role: 'status', 'aria-live': 'polite' });
        const ok = h('button.primary', { type: 'submit' }, 'Finish');
        const cancel = h('button', { type: 'button', onclick: () => close(false) }, 'Cancel');
        const steps = h('div',
            h('p', h('strong', 'First stop the application\'s writes on the source.'),
                ' hotmig then takes the source\'s current binlog position, waits until the target has applied ' +
                'everything up to it, and ends the task: the target is then the database to use.'),
            h('p.choice', lock, h('label', { for: lock.id },
                'Set the source read-only (read_only=ON) before taking the final position')),
            h('p.hint', 'With this option, writes that still arrive are refused by the source instead of being lost.'));
        let unsub = null;
        const done = (v) => { if (unsub) unsub(); close(v); };
        cancel.onclick = () => done(false);
        const watch = (task) => {
            if (!task || String(task.id) !== String(t.id)) return;
            if (task.state === 'finished') {
                const pos = finalPosition(task);
                status.replaceChildren(h('p.ok', 'Finished. ', pos ? ['Final position: ', h('code.final', pos)] : 'The final position is in the task\'s events.'));
                ok.hidden = true;
                cancel.textContent = 'Close';
                cancel.focus();
            } else if (task.state === 'failed') {
                const e = lastError(task);
                err.show(e ? e.message : 'The finish failed: see the task\'s events.');
                cancel.textContent = 'Close';
            }
        };
        return h('form', {
            onsubmit: async (e) => {
                e.preventDefault();
                err.clear();
                ok.disabled = true;
                try {
                    unsub = store.subscribe(watch);
                    const r = await post(path(t, 'finish'), { lock_source: lock.checked });
                    steps.hidden = true;
                    status.replaceChildren(h('p', 'Finishing: the target is applying the last changes up to the source\'s final position…'));
                    store.upsert(r);
                    watch(r);
                } catch (x) {
                    if (unsub) { unsub(); unsub = null; }
                    err.show(x.message);
                    ok.disabled = false;
                }
            },
        }, steps, status, err.el, h('div.actions', cancel, ok));
    });
}
