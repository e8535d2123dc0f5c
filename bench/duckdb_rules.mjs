// DuckDB peer of bench/scan_bench.sh (not a test).
//   node bench/duckdb_rules.mjs load DBFILE SCHEMA CSVDIR
//       creates one table per feed from CSVDIR/<feed>.csv; SCHEMA has one line per
//       feed: "feed<TAB>col:type,col:type,..." with type text, int or date.
//   node bench/duckdb_rules.mjs run DBFILE SQLDIR OUTDIR RUNS RULE...
//       runs SQLDIR/<RULE>.sql RUNS times each (threads = 2), writes the last
//       run's subjects to OUTDIR/<RULE>.duckdb and prints {"version", "threads",
//       "seconds": {RULE: [run, ...]}} as JSON.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [cmd, dbfile, ...rest] = process.argv.slice(2);
const types = { text: 'VARCHAR', int: 'BIGINT', date: 'DATE' };
const q = (s) => '"' + s.replace(/"/g, '""') + '"';

async function open() {
	const inst = await DuckDBInstance.create(dbfile, { threads: '2' });
	return inst.connect();
}

if (cmd === 'load') {
	const [schema, csvdir] = rest;
	const con = await open();
	const out = {};
	for (const line of readFileSync(schema, 'utf8').split('\n')) {
		if (!line.trim()) continue;
		const [feed, spec] = line.split('\t');
		const cols = spec.split(',').map((c) => c.split(':'));
		const t0 = performance.now();
		await con.run(`DROP TABLE IF EXISTS ${q(feed)}`);
		await con.run(`CREATE TABLE ${q(feed)} (${cols.map(([n, t]) => `${q(n)} ${types[t]}`).join(', ')})`);
		await con.run(`COPY ${q(feed)} FROM '${csvdir}/${feed}.csv' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NULL '')`);
		const n = (await con.runAndReadAll(`SELECT count(*) FROM ${q(feed)}`)).getRows()[0][0];
		out[feed] = { rows: Number(n), seconds: (performance.now() - t0) / 1000 };
	}
	await con.run('CHECKPOINT');
	console.log(JSON.stringify(out));
} else if (cmd === 'run') {
	const [sqldir, outdir, runs, ...rules] = rest;
	const con = await open();
	const version = (await con.runAndReadAll('SELECT version(), current_setting(\'threads\')')).getRows()[0];
	const seconds = {};
	for (const r of rules) seconds[r] = [];
	for (let i = 0; i < Number(runs); i++) {
		for (const r of rules) {
			const sql = readFileSync(`${sqldir}/${r}.sql`, 'utf8');
			const t0 = performance.now();
			const rows = (await con.runAndReadAll(sql)).getRows();
			seconds[r].push((performance.now() - t0) / 1000);
			if (i === Number(runs) - 1)
				writeFileSync(`${outdir}/${r}.duckdb`, rows.map((x) => String(x[0]) + '\n').join(''));
		}
	}
	console.log(JSON.stringify({ version: version[0], threads: Number(version[1]), seconds }));
} else {
	console.error('usage: duckdb_rules.mjs load DB SCHEMA CSVDIR | run DB SQLDIR OUTDIR RUNS RULE...');
	process.exit(2);
}
