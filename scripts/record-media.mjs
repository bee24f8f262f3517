// Records the README's pictures of the console: drives the real built console (dist/cli.js) in
// tmux at 100×30 on a private copy of the demo fleet, captures the screen with its colours at
// the moments worth showing, and renders them as SVG: media/console.svg cycles through the
// frames, media/console-deploy.svg is the deploy in progress. Then a 200-host fleet of local
// hosts: media/console-table.svg is its host table mid-run, sorted by state.
//
//   npm run build && node scripts/record-media.mjs
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAnimatedSvg, renderSvg } from './terminal-svg.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const columns = 100;
const rows = 30;

/** The demo's hosts.toml with its own roots, build output and free ports, so a demo the operator is running is left alone. */
async function privateDemoFleet(dir) {
	const ports = new Map();
	let config = readFileSync(path.join(repo, 'hosts.toml'), 'utf8')
		.replace('command = "node demo/build.mjs"', `command = ${JSON.stringify(`node ${path.join(repo, 'demo', 'build.mjs')} dist`)}`)
		.replace('artifact = "demo/dist"', 'artifact = "dist"')
		.replaceAll('.fleet/', 'hosts/');
	for (const port of new Set(config.match(/\b71\d\d\b/g))) ports.set(port, await freePort());
	config = config.replace(/\b71\d\d\b/g, (port) => String(ports.get(port)));
	const file = path.join(dir, 'hosts.toml');
	writeFileSync(file, config);
	return file;
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}

/** 200 local hosts with a small build; their dry runs take a moment and print a line, three fail. */
function bigFleet(dir) {
	const failing = new Set([37, 74, 148]);
	const hosts = Array.from({ length: 200 }, (_, index) => {
		const number = index + 1;
		const name = `node-${String(number).padStart(3, '0')}`;
		const dryRun = failing.has(number) ? 'echo checking free space; echo "/opt: 97% used, 512 MB needed"; false' : `echo checking free space; sleep 0.${(number * 7) % 10}; echo ok`;
		return `[[host]]\nname = "${name}"\nlocal = true\ntags = ["${['web', 'api', 'db'][index % 3]}", "${index % 2 === 0 ? 'eu' : 'us'}"]\ndry_run = ${JSON.stringify(dryRun)}\n`;
	});
	const file = path.join(dir, 'hosts.toml');
	writeFileSync(file, ['[app]\nname = "fleet"\n', '[build]\ncommand = "mkdir -p dist && echo $SWITCHYARD_RELEASE > dist/version.txt"\nartifact = "dist"\n', '[defaults]\nroot = "hosts/{host}"\njobs = 12\n', ...hosts].join('\n'));
	return file;
}

/** One tmux server of our own (`-L`), never the operator's. */
function startTerminal(command, cwd) {
	const socket = `switchyard-media-${process.pid}-${randomBytes(3).toString('hex')}`;
	const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
	const env = { ...process.env, TERM: 'xterm-256color' };
	// Colours wanted; and Ink draws no frames when it thinks it runs in CI.
	delete env.NO_COLOR;
	delete env.TMUX;
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'media', '-x', String(columns), '-y', String(rows), '-c', cwd, command], { env });
	tmux('set-option', '-t', 'media', 'status', 'off');
	return {
		capture: (ansi = false) => tmux('capture-pane', '-p', ...(ansi ? ['-e'] : []), '-t', 'media'),
		send: (key) => tmux('send-keys', '-t', 'media', key),
		kill() {
			const socketPath = tmux('display-message', '-p', '#{socket_path}').trim();
			tmux('kill-server');
			rmSync(socketPath, { force: true });
		},
	};
}

async function waitFor(terminal, test, what, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const screen = terminal.capture();
		if (test(screen)) return screen;
		if (Date.now() > deadline) throw new Error(`the console never showed ${what}; last screen:\n${screen}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const escape = String.fromCharCode(27);
const sgrCodes = new RegExp(`${escape}\\[[0-9;]*m`, 'g');
const tileOk = (screen, host) => new RegExp(`[○◉] ${host} [^\\n]*gen \\d`).test(screen);
const allOk = (screen) => (screen.match(/✓ ok/g) ?? []).length >= 4 && ['alpha', 'bravo', 'charlie', 'delta'].every((host) => tileOk(screen, host));

async function record(terminal) {
	const frames = [];
	const keep = (name, seconds) => frames.push({ name, seconds, screen: terminal.capture(true) });
	const press = async (key, test, what) => {
		terminal.send(key);
		return waitFor(terminal, test, `${what} after ${key}`);
	};

	// A first deploy so the second one shows generation numbers moving and the list has history.
	await waitFor(terminal, (screen) => screen.includes('0 of 4 selected') && screen.includes('? help'), 'the grid');
	await press('a', (screen) => screen.includes('4 of 4 selected'), 'all selected');
	await press('d', (screen) => screen.includes('Switch now? [y/N]'), 'the confirm dialog');
	await press('y', allOk, 'every host ok');
	await press('a', (screen) => screen.includes('0 of 4 selected'), 'none selected');

	keep('grid idle', 2.5);
	await press('a', (screen) => screen.includes('4 of 4 selected'), 'all selected');
	keep('all selected', 1);
	// Local hosts deploy fast: the busiest screen seen (most phase spinners on tiles, most log
	// lines, no dialog over the log) is the one that shows a deploy in progress.
	const watch = async (until) => {
		let busiest = { score: -1, screen: '' };
		for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 10))) {
			const screen = terminal.capture(true);
			const text = screen.replace(sgrCodes, '');
			if (until(text)) return busiest;
			if (text.includes('[y/N]')) continue;
			const score = (text.match(/[bpusvc][⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/g) ?? []).length * 10 + text.split('\n').filter((line) => /^ \S/.test(line)).length;
			if (score > busiest.score) busiest = { score, screen };
		}
		throw new Error('the deploy did not get to the next step in time');
	};
	terminal.send('d');
	const staging = await watch((text) => text.includes('Switch now? [y/N]'));
	if (staging.screen) frames.push({ name: 'staging', seconds: 1.5, screen: staging.screen });
	keep('confirm', 3);
	terminal.send('y');
	const switching = await watch(allOk);
	if (switching.screen) frames.push({ name: 'switching', seconds: 2, screen: switching.screen });
	keep('all ok', 2.5);
	await press('a', (screen) => screen.includes('0 of 4 selected'), 'none selected');
	await press('g', (screen) => /^▸\S?\s+\d+\s/m.test(screen) && screen.includes('Generations of alpha'), 'the generation list');
	keep('generations', 2);
	await press('Down', (screen) => /^▸\S?\s+1\s/m.test(screen), 'generation 1 highlighted');
	keep('generation 1 highlighted', 1.2);
	await press('r', (screen) => screen.includes('Roll back alpha to generation 1'), 'the rollback question');
	keep('rollback confirm', 2.5);
	await press('y', (screen) => /[○◉] alpha [^\n]*gen 1/.test(screen) && /✓ ok/.test(screen.split('\n').slice(1, 8).join('\n')), 'alpha on generation 1');
	keep('rolled back', 3);
	terminal.send('Escape');
	terminal.send('q');
	return frames;
}

/** The table mid-run: failed hosts on top (sorted by state), hosts under way, staged ones waiting, queued ones. */
async function recordTable(terminal) {
	const runningRows = (text) => (text.match(/^[ ▸][○◉] [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /gm) ?? []).length;
	await waitFor(terminal, (screen) => screen.includes('0 of 200 selected') && screen.includes('more ↓'), 'the host table');
	terminal.send('a');
	await waitFor(terminal, (screen) => screen.includes('200 of 200 selected'), 'all selected');
	terminal.send('s');
	await waitFor(terminal, (screen) => screen.includes('by state'), 'sorted by state');
	terminal.send('d');
	// The busiest screen before the switch question: the most hosts under way with some failed already.
	let best = { score: -1, screen: '' };
	for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 15))) {
		const screen = terminal.capture(true);
		const text = screen.replace(sgrCodes, '');
		if (text.includes('[y/N]')) break;
		const score = runningRows(text) * 10 + (text.match(/✗ \d+ failed/) ? 50 : 0) + (text.match(/\d+ waiting/) ? 20 : 0);
		if (score > best.score) best = { score, screen };
	}
	await waitFor(terminal, (screen) => screen.includes('Switch now? [y/N]'), 'the switch question', 120_000);
	terminal.send('n');
	await waitFor(terminal, (screen) => screen.includes('deploy finished'), 'the run to end', 120_000);
	terminal.send('q');
	return best.screen;
}

async function main() {
	const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-media-'));
	const config = await privateDemoFleet(dir);
	const terminal = startTerminal(`node ${path.join(repo, 'dist', 'cli.js')} --config ${config}; exec cat`, dir);
	try {
		const frames = await record(terminal);
		mkdirSync(path.join(repo, 'media'), { recursive: true });
		// Switching and validating: spinners on the tiles, generation numbers moving, the log streaming.
		const deploy = frames.find((frame) => frame.name === 'switching') ?? frames[0];
		writeFileSync(path.join(repo, 'media', 'console.svg'), renderAnimatedSvg(frames, { columns, rows, title: 'Switchyard deploying the demo fleet' }));
		writeFileSync(path.join(repo, 'media', 'console-deploy.svg'), renderSvg(deploy.screen, { columns, rows, title: 'Switchyard: a deploy in progress' }));
		console.log(`media/console.svg: ${frames.length} frames (${frames.map((frame) => frame.name).join(', ')}); media/console-deploy.svg`);
	} finally {
		terminal.kill();
		execFileSync('node', [path.join(repo, 'demo', 'stop-services.mjs'), path.join(dir, 'hosts')], { stdio: 'ignore' });
		rmSync(dir, { recursive: true, force: true });
	}

	const fleetDir = mkdtempSync(path.join(tmpdir(), 'switchyard-media-fleet-'));
	const table = startTerminal(`node ${path.join(repo, 'dist', 'cli.js')} --config ${bigFleet(fleetDir)}; exec cat`, fleetDir);
	try {
		const screen = await recordTable(table);
		writeFileSync(path.join(repo, 'media', 'console-table.svg'), renderSvg(screen, { columns, rows, title: 'Switchyard: 200 hosts mid-run in the host table, sorted by state' }));
		console.log('media/console-table.svg: 200 hosts mid-run');
	} finally {
		table.kill();
		rmSync(fleetDir, { recursive: true, force: true });
	}
}

await main();
