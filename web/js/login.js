// web/js/login.js: the sign-in page: the API token, or a console user and password
// (POST /api/v1/session). A refused sign-in says why, under the form.
import { h, field, errorBox } from './dom.js';
import { sessionLogin } from './api.js';

export function render(main, _params, ctx) {
    const err = errorBox();
    let how = 'user';
    const user = field('User', { attrs: { autocomplete: 'username', required: true } });
    const pass = field('Password', { type: 'password', attrs: { autocomplete: 'current-password', required: true } });
    const token = field('Token', {
        type: 'password',
        hint: 'The token is in the file token of hotmigd\'s data directory (hotmigd prints where).',
        attrs: { autocomplete: 'off', spellcheck: 'false' },
    });
    const userRows = h('div', user.row, pass.row);
    const tokenRows = h('div', { hidden: true }, token.row);
    const submit = h('button.primary', { type: 'submit' }, 'Sign in');

    const choose = (v) => {
        how = v;
        userRows.hidden = v !== 'user';
        tokenRows.hidden = v !== 'token';
        user.input.required = pass.input.required = v === 'user';
        token.input.required = v === 'token';
        err.clear();
    };
    const radio = (v, label) => h('label.choice',
        h('input', { type: 'radio', name: 'how', value: v, checked: v === how, onchange: () => choose(v) }), label);

    const form = h('form.card.login', {
        'aria-labelledby': 'login-title', novalidate: true,
        onsubmit: async (e) => {
            e.preventDefault();
            err.clear();
            const creds = how === 'user'
                ? { user: user.input.value.trim(), password: pass.input.value }
                : { token: token.input.value.trim() };
            if (how === 'user' && (!creds.user || !creds.password)) return err.show('Enter your user name and password.');
            if (how === 'token' && !creds.token) return err.show('Paste the API token.');
            submit.disabled = true;
            submit.textContent = 'Signing in…';
            try {
                const s = await sessionLogin(creds);
                pass.input.value = token.input.value = '';
                ctx.onLogin(s);
            } catch (e2) {
                err.show(e2.status === 401 || e2.status === 403
                    ? (e2.message || 'Wrong user name or password.') : e2.message);
                (how === 'user' ? pass.input : token.input).select();
            } finally {
                submit.disabled = false;
                submit.textContent = 'Sign in';
            }
        },
    },
    h('h1', { id: 'login-title' }, 'Sign in to hotmig'),
    h('fieldset.choices', h('legend', 'Sign in with'), radio('user', 'User and password'), radio('token', 'API token')),
    userRows, tokenRows, err.el, h('div.actions', submit));
    main.append(form);
    setTimeout(() => user.input.focus(), 0);
}
