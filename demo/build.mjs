// The demo's build: copies the app into demo/dist and stamps the release into it, the way a
// real build produces a fresh artifact every run. Switchyard sets SWITCHYARD_RELEASE.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(here, 'dist'));
const release = process.env.SWITCHYARD_RELEASE ?? 'dev';

rmSync(out, { recursive: true, force: true });
cpSync(path.join(here, 'app'), out, { recursive: true });
writeFileSync(path.join(out, 'version.txt'), `${release}\n`);
const page = path.join(out, 'frontend', 'index.html');
writeFileSync(page, readFileSync(page, 'utf8').replace('{{release}}', release).replace('{{built}}', new Date().toISOString()));
console.log(`built ${release} into ${path.relative(process.cwd(), out) || out}`);
