// web/tests/assets.test.mjs: the console's assets as hotmigd embeds them (the list in
// web/meson.build): every file the pages load is in the list (index.html's links and every
// module's imports, followed from /js/app.js), and all of them together stay under 250 KB
// uncompressed. No browser, no server: runs first and fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const listed = [...readFileSync(join(web, 'meson.build'), 'utf8')
    .match(/web_asset_files = files\(([\s\S]*?)\)/)[1].matchAll(/'([^']+)'/g)].map((m) => '/' + m[1]);

test('every file the console loads is embedded, and all together < 250 KB', () => {
    const seen = new Set();
    const visit = (p) => {
        if (seen.has(p)) return;
        seen.add(p);
        assert.ok(listed.includes(p), `${p} is loaded by the console but not listed in web/meson.build`);
        if (!/\.m?js$/.test(p)) return;
        const src = readFileSync(join(web, p), 'utf8');
        for (const m of src.matchAll(/^\s*import\s+(?:[^'"]+\s+from\s+)?['"]([^'"]+)['"]|\bimport\(['"]([^'"]+)['"]\)/gm)) {
            visit(posix.normalize(posix.join(posix.dirname(p), m[1] || m[2])));
        }
        // stylesheets a module adds itself: href: '/vendor/x.css'
        for (const m of src.matchAll(/href: '(\/[^']+\.css)'/g)) visit(m[1]);
    };
    const html = readFileSync(join(web, 'index.html'), 'utf8');
    visit('/index.html');
    for (const m of html.matchAll(/(?:href|src)="(\/[^"#]+)"/g)) if (!m[1].startsWith('/api/')) visit(m[1]);
    const unused = listed.filter((p) => !seen.has(p));
    assert.deepEqual(unused, [], 'listed in web/meson.build but never loaded');
    const total = listed.reduce((s, p) => s + statSync(join(web, p)).size, 0);
    console.log(`console assets: ${listed.length} files, ${total} bytes (${(total / 1024).toFixed(1)} KB) uncompressed; budget 250 KB`);
    assert.ok(total < 250 * 1024, `${total} bytes`);
});

test('the vendored uPlot is the version the lockfile installs (npm run vendor after a bump)', () => {
    const vendored = readFileSync(join(web, 'vendor', 'VERSION'), 'utf8').trim();
    const lock = JSON.parse(readFileSync(join(web, 'package-lock.json'), 'utf8'));
    const locked = lock.packages['node_modules/uplot'].version;
    assert.equal(vendored, `uplot ${locked}`);
    assert.ok(readFileSync(join(web, 'vendor', 'uplot.mjs'), 'utf8').includes(`(v${locked})`), 'uplot.mjs is that version');
});
