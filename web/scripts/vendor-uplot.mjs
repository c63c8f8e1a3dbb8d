// web/scripts/vendor-uplot.mjs: refreshes web/vendor/ from node_modules/uplot (run `npm ci`
// first, then `npm run vendor`). The console loads uPlot as an ES module, but the package's
// ES build is not minified (145 KB) and the asset budget is 250 KB for everything, so this takes
// the minified IIFE build (which defines `var uPlot`) and appends one `export default uPlot;`.
// It also copies the stylesheet and the license, and writes VERSION.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(web, 'node_modules', 'uplot');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const iife = readFileSync(join(pkgDir, 'dist', 'uPlot.iife.min.js'), 'utf8');
if (!/^\/\*![^\n]*\*\/\s*var uPlot=/.test(iife)) {
    console.error('vendor-uplot: uPlot.iife.min.js no longer starts with "var uPlot=": check the new build by hand');
    process.exit(1);
}
const out = join(web, 'vendor');
writeFileSync(join(out, 'uplot.mjs'),
    `/* uPlot ${pkg.version} (MIT, see uplot.LICENSE), from npm's dist/uPlot.iife.min.js + an ES export */\n` +
    iife.trimEnd() + '\nexport default uPlot;\n');
writeFileSync(join(out, 'uplot.css'), readFileSync(join(pkgDir, 'dist', 'uPlot.min.css'), 'utf8'));
writeFileSync(join(out, 'uplot.LICENSE'), readFileSync(join(pkgDir, 'LICENSE'), 'utf8'));
writeFileSync(join(out, 'VERSION'), `uplot ${pkg.version}\n`);
console.log(`vendored uPlot ${pkg.version} into ${out}`);
