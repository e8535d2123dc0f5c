#!/usr/bin/env node
// node web/tools/check-i18n.mjs — every message key the UI uses is in both
// catalogues (web/src/i18n/zh-CN.json and en.json), and the two catalogues
// have the same keys. Exit 1 on a difference. No dependencies.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
const zh = JSON.parse(fs.readFileSync(path.join(src, 'i18n', 'zh-CN.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(src, 'i18n', 'en.json'), 'utf8'));
const problems = [];
for (const k of Object.keys(zh)) if (!(k in en)) problems.push(`only in zh-CN.json: ${k}`);
for (const k of Object.keys(en)) if (!(k in zh)) problems.push(`only in en.json: ${k}`);

const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.mjs')) files.push(p);
  }
};
walk(src);
const used = new Set();
for (const f of files) {
  const s = fs.readFileSync(f, 'utf8');
  for (const m of s.matchAll(/\bt\('([a-z_]+\.[A-Za-z0-9_.-]+)'/g)) used.add(m[1]);
  for (const m of s.matchAll(/\['[a-z_]+', '([a-z_]+\.[a-z_]+)'\]/g)) used.add(m[1]); // the nav table
}
for (const k of [...used].sort()) if (!(k in zh)) problems.push(`used but not in the catalogues: ${k}`);
// keys built at run time (t(`state.${s}`), label('state', s)) are checked by family
for (const fam of ['state', 'outcome', 'kind', 'role', 'adjustment', 'visit_kind', 'source', 'job', 'batch']) {
  if (!Object.keys(zh).some((k) => k.startsWith(`${fam}.`))) problems.push(`no ${fam}.* keys`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`i18n: ${Object.keys(zh).length} keys in both catalogues, ${used.size} used literally`);
