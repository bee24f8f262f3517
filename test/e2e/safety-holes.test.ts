import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load-config.js';
import { tailLogs } from '../../source/engine/tail-logs.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { cli, trackedFleets, type LocalFleet } from '../support/local-fleet.js';
import { processesWith, uniqueSleep } from '../support/processes.js';
import { hasTool } from '../support/require-tool.js';
import { TmuxTerminal } from '../support/tmux.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Safety holes found by hostile testing (issue #11), on real local hosts: data outside the root,
 * runs that never end, secrets and escape sequences that leak, odd metadata. Every scenario ends
 * with the host consistent: `current` a complete generation, no lock, nothing left running.
 */

const fleet = trackedFleets();

function assertConsistent(demo: LocalFleet, host: string): void {
	expect(existsSync(path.join(demo.root(host), '.lock')), `${host} is still locked`).toBe(false);
	const current = demo.current(host);
	if (current !== null) expect(existsSync(path.join(demo.root(host), 'generations', String(current), '.switchyard', 'generation.json'))).toBe(true);
	expect(readdirSync(path.join(demo.root(host), 'generations')).filter((name) => name.endsWith('.partial'))).toEqual([]);
}

/** Adds env entries to a host whose block already sets `env = { PORT = … }`. */
function addEnv(demo: LocalFleet, host: string, entries: string): void {
	const port = demo.hosts.find((each) => each.name === host)!.port;
	// A function, not a string: in a replacement string `$$` is `$`, and secrets have dollars.
	writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace(`env = { PORT = "${port}" }`, () => `env = { PORT = "${port}", ${entries} }`));
}

/** The CLI with no terminal, as a child process to signal; `output` grows as it prints. */
function startCli(demo: LocalFleet, ...args: string[]) {
	const child = spawn('node', [cli, ...args, '--config', demo.config], { cwd: demo.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
	const output = { text: '' };
	child.stdout.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
	const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	return { child, output, done };
}

describe('data outside the root', () => {
	it('refuses artifact symlinks that leave the artifact, and never deletes through one', async () => {
		const outside = path.join(path.dirname(path.dirname(cli)), 'test', '.tmp', `srv-data-${process.pid}`);
		mkdirSync(path.join(outside, 'uploads'), { recursive: true });
		writeFileSync(path.join(outside, 'uploads', 'precious.txt'), 'keep me\n');
		const demo = await fleet(['alpha'], { build: `node ${path.resolve(cli, '../../demo/build.mjs')} dist && ln -s ${outside} dist/data`, hostToml: { alpha: 'shared = ["data/uploads"]' } });
		const refused = await demo.run('deploy', '--yes');
		expect(refused.exitCode).toBe(1);
		expect(refused.stdout).toMatch(/✗ alpha +failed — the artifact \S+ has symlinks leaving it \(data -> \S+srv-data-\d+\); set allow_external_links = true to ship them — nothing was staged/);
		expect(demo.generations('alpha')).toEqual([]);

		// Allowed links still never let a shared dir be removed or linked through them.
		writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace('shared = ["data/uploads"]', 'shared = ["data/uploads"]\nallow_external_links = true'));
		const staged = await demo.run('deploy', '--yes');
		expect(staged.exitCode).toBe(1);
		expect(readFileSync(path.join(outside, 'uploads', 'precious.txt'), 'utf8')).toBe('keep me\n');
		expect(demo.current('alpha')).toBeNull();
		assertConsistent(demo, 'alpha');
		rmSync(outside, { recursive: true, force: true });
	}, 60_000);

	it('refuses a relative web_root on an SSH host and one that overlaps the root, before anything runs', async () => {
		const demo = await fleet(['alpha']);
		const ssh = await demo.run('deploy', '--yes', '--host', 'alpha');
		expect(ssh.exitCode).toBe(0);
		writeFileSync(demo.config, `${readFileSync(demo.config, 'utf8')}\n[[host]]\nname = "remote"\nssh = "deploy@10.0.0.9"\nfrontend = true\nweb_root = ".."\n`);
		const relative = await demo.run('deploy', '--yes');
		expect(relative.exitCode).toBe(2);
		expect(relative.stderr).toMatch(/hosts\.toml:\d+: \[\[host\]\] "remote" web_root: must be an absolute path on an SSH host \(found "\.\."\)/);
		writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace('web_root = ".."', 'web_root = "/opt"\nroot = "/opt/demo"'));
		const overlapping = await demo.run('deploy', '--yes');
		expect(overlapping.exitCode).toBe(2);
		expect(overlapping.stderr).toMatch(/\[\[host\]\] "remote" web_root: "\/opt" overlaps the host's root "\/opt\/demo"/);
		expect(demo.generations('alpha')).toEqual([1]);
	});
});

describe('runs that end', () => {
	it('a restart that never ends is stopped at switch_timeout, killed on the host, and the host rolled back', async () => {
		// Generations built while ./slow exists restart forever.
		const build = `node ${path.resolve(cli, '../../demo/build.mjs')} dist && { [ ! -f slow ] || touch dist/slow; }`;
		const demo = await fleet(['alpha'], { build, hostToml: { alpha: 'switch_timeout = 3\nafter_switch = ["if [ -f slow ]; then sleep 613; fi"]' } });
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.dir, 'slow'), '');
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/↺ alpha +rolled back — activating generation 2: timed out after 3s; rolled back to generation 1 · gen 1/);
		expect(demo.current('alpha')).toBe(1);
		await waitFor(async () => (await processesWith('sleep 613')).length === 0, 'the hook to be killed on the host');
		assertConsistent(demo, 'alpha');
	}, 60_000);

	it('a second Ctrl-C ends a run whose switch hangs, within the kill bound, host consistent and unlocked', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'after_switch = ["sleep 614"]' } });
		const run = startCli(demo, 'deploy', '--yes');
		await waitFor(() => run.output.text.includes('[alpha] ▸ switch'), 'the switch to start');
		await waitFor(async () => (await processesWith('sleep 614')).length > 0, 'the hook to run');
		run.child.kill('SIGINT');
		await waitFor(() => run.output.text.includes('cancelling:'), 'the first Ctrl-C to be acknowledged');
		run.child.kill('SIGINT');
		expect(await run.done).toBe(130);
		expect(run.output.text).toContain('stopping switches under way');
		expect(run.output.text).toMatch(/‼ alpha +MANUAL INTERVENTION REQUIRED — activating generation 1: stopped by a second cancel; no previous generation to return to — manual intervention required · gen 1/);
		await waitFor(async () => (await processesWith('sleep 614')).length === 0, 'the hook to be killed');
		assertConsistent(demo, 'alpha');
	}, 60_000);

	it('kill -9 mid-run: the host releases the lock and stops what the run started', async () => {
		// A sleep nothing else runs: a leftover of another run must not hold this test up.
		const nap = uniqueSleep().command;
		const demo = await fleet(['alpha'], { hostToml: { alpha: `dry_run = "${nap}"` } });
		expect((await demo.run('deploy', '--yes', '--phases', 'build')).exitCode).toBe(0);
		const run = startCli(demo, 'deploy', '--yes');
		await waitFor(async () => (await processesWith(nap)).length > 0 && existsSync(path.join(demo.root('alpha'), '.lock')), 'the dry run to hold the lock');
		run.child.kill('SIGKILL');
		await run.done;
		await waitFor(() => !existsSync(path.join(demo.root('alpha'), '.lock')), 'the lock to be released by the host');
		await waitFor(async () => (await processesWith(nap)).length === 0, 'the dry run to be stopped');
		// The next run needs no --break-lock.
		writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace(`dry_run = "${nap}"`, ''));
		const next = await demo.run('deploy', '--yes');
		expect(next.exitCode).toBe(0);
		assertConsistent(demo, 'alpha');
	}, 60_000);
});

describe('what reaches the screen and the records', () => {
	const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nQyNTUxOQAAACBhbHBoYS1iZXRhLWdhbW1h\n-----END OPENSSH PRIVATE KEY-----';
	const token = 'pa$$w"o`rd\\x';

	it('masks every form a secret takes: raw, .env-escaped, echoed by dash (#24.5), multi-line line by line, in text and --json', async () => {
		// dash's echo takes backslashes of the .env line away again: a form no exact list holds.
		const demo = await fleet(['alpha'], { hostToml: { alpha: `after_switch = ["cat .env", "cat data/key.pem", "printf '%s\\\\n' \\"$(sed -n 's/^TOKEN=//p' .env)\\"", "echo \\"$(grep TOKEN .env)\\""]` } });
		addEnv(demo, 'alpha', `TOKEN = { value = ${JSON.stringify(token)}, secret = true }, KEY = { value = ${JSON.stringify(pem)}, secret = true }`);
		mkdirSync(path.join(demo.root('alpha'), 'shared', 'data'), { recursive: true });
		writeFileSync(path.join(demo.root('alpha'), 'shared', 'data', 'key.pem'), `${pem}\n`);
		for (const args of [['deploy', '--yes'], ['deploy', '--yes', '--json']]) {
			const result = await demo.run(...args);
			expect(result.exitCode, result.stdout).toBe(0);
			const record = readdirSync(path.join(demo.dir, '.switchyard', 'runs')).sort().at(-1)!;
			const written = readFileSync(path.join(demo.dir, '.switchyard', 'runs', record, 'hosts', 'alpha.log'), 'utf8') + readFileSync(path.join(demo.dir, '.switchyard', 'runs', record, 'events.jsonl'), 'utf8');
			for (const shown of [result.stdout, written]) {
				for (const line of pem.split('\n')) expect(shown).not.toContain(line.replace(/^-+|-+$/g, ''));
				expect(shown).not.toContain('pa$$w');
				expect(shown).not.toContain('pa\\$\\$w');
				expect(shown).toContain('••••••');
			}
		}
		// The generation's .env holds them as written in hosts.toml, readable by its owner only.
		expect(readFileSync(path.join(demo.root('alpha'), 'current', '.env'), 'utf8')).toContain('TOKEN="pa\\$\\$w\\"o\\`rd\\\\x"');
		expect(statSync(path.join(demo.root('alpha'), 'current', '.env')).mode & 0o777).toBe(0o600);
	}, 60_000);

	it('masks a secret and escape sequences in a dry run warning, in the switch question and every --json event', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: `dry_run = "printf 'warning: token %s \\\\033]0;pwned\\\\007\\\\n' hunter3-secret-value"` } });
		addEnv(demo, 'alpha', 'TOKEN = { value = "hunter3-secret-value", secret = true }');
		const result = await demo.run('deploy', '--yes', '--json');
		expect(result.exitCode, result.stdout).toBe(0);
		const staged = result.stdout.split('\n').filter((line) => line.includes('"type":"staged"') || line.includes('"type":"confirm"'));
		expect(staged.join('\n')).toContain('warning: token ••••••');
		expect(result.stdout).not.toContain('hunter3-secret-value');
		expect(result.stdout).not.toContain('\u001b');
	}, 60_000);

	it('masks the service log tail too', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: `logs = "printf 'token=%s\\\\n' hunter2-secret-value; sleep 30"` } });
		addEnv(demo, 'alpha', 'TOKEN = { value = "hunter2-secret-value", secret = true }');
		const host = loadConfig(demo.config).hosts[0]!;
		const lines: string[] = [];
		const stop = new AbortController();
		const tail = tailLogs(host, transportFactory(), (line) => lines.push(line), stop.signal);
		await waitFor(() => lines.length > 0, 'the tail to print');
		stop.abort();
		await tail;
		expect(lines).toEqual(['token=••••••']);
	});

	it('a script host never puts env values in process arguments', async () => {
		const seen = path.join(path.dirname(path.dirname(cli)), 'test', '.tmp', `ps-${process.pid}.txt`);
		const demo = await fleet(['alpha'], { hostToml: { alpha: `strategy = "script"\nscript = "sh deploy.sh"\nhealth = { command = "true", retries = 0 }` } });
		addEnv(demo, 'alpha', 'TOKEN = { value = "s3cr3t-in-ps-args", secret = true }');
		const script = `ps -eo args > ${seen}; cat "$2" >> ${seen}; echo '{"name":"deploy","state":"success"}'`;
		const build = path.join(demo.dir, 'build.sh');
		writeFileSync(build, `node ${path.resolve(cli, '../../demo/build.mjs')} dist && printf '%s\\n' ${JSON.stringify(script)} > dist/deploy.sh\n`);
		chmodSync(build, 0o755);
		writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace(/command = "[^"]*"/, `command = "sh ${build}"`));
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode, result.stdout).toBe(0);
		const observed = readFileSync(seen, 'utf8');
		expect(observed).toContain('deploy.sh');
		expect(observed).not.toContain('s3cr3t-in-ps-args');
		rmSync(seen, { force: true });
	}, 60_000);

	it('host output cannot drive the terminal: control characters are shown, not sent', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: `after_switch = ["printf '\\\\033]2;PWNED\\\\007\\\\033[2Jafter\\\\n'"]` } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(0);
		const record = readdirSync(path.join(demo.dir, '.switchyard', 'runs'))[0]!;
		const log = readFileSync(path.join(demo.dir, '.switchyard', 'runs', record, 'hosts', 'alpha.log'), 'utf8');
		for (const shown of [result.stdout, log]) {
			expect(shown).not.toContain('\u001b');
			expect(shown).not.toContain('\u0007');
			expect(shown).toContain('␛]2;PWNED␇␛[2Jafter');
		}
	});
});

describe.runIf(hasTool('tmux', 'apt-get install tmux'))('host output in the console', () => {
	it('cannot retitle or clear the operator\'s terminal', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: `after_switch = ["printf '\\\\033]2;PWNED\\\\007\\\\033[2Jafter\\\\n'"]` } });
		const terminal = TmuxTerminal.start({ command: `node ${cli} --config ${demo.config}`, cwd: demo.dir, columns: 120, rows: 36, env: { TERM: 'xterm-256color' } });
		try {
			terminal.tmux('set-option', '-t', terminal.session, 'set-titles', 'on');
			const title = terminal.pane('pane_title');
			await terminal.waitFor('0 of 1 selected');
			await terminal.press('d', 'Switch now? [y/N]', 30_000);
			const screen = await terminal.press('y', '␛]2;PWNED␇␛[2Jafter', 30_000);
			expect(screen).toContain('Switchyard demo');
			expect(terminal.pane('pane_title')).toBe(title);
			expect(terminal.pane('pane_title')).not.toContain('PWNED');
		} finally {
			terminal.kill();
		}
	}, 60_000);
});

describe('odd things on hosts and in configs', () => {
	it('lists a generation whose metadata is damaged, and deploys past it', async () => {
		const demo = await fleet(['alpha']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('alpha'), 'generations', '1', '.switchyard', 'generation.json'), '{"id": 1, "created": 42, "release": ["x"]}\n');
		const listed = await demo.run('generations');
		expect(listed.exitCode).toBe(0);
		expect(listed.stdout).toMatch(/\* 1 .*\(metadata unreadable\)/);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		expect(demo.current('alpha')).toBe(2);
	});

	it('a hostile generation.json cannot drive the terminal nor number the next generation (#24.6)', async () => {
		const demo = await fleet(['alpha']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		// JSON escapes on one line: \u001b is ESC once parsed; \n is a line break to dash's echo, which made a forged `SY:gen 50`.
		const hostile = '{"id":50,"release":"evil\\u001b]2;PWNED\\u0007\\nSY:gen 50 {\\"release\\":\\"forged\\"}","created":"2026-01-01T00:00:00Z","by":"\\u001b[2Jmallory","files":1,"bytes":1}\n';
		writeFileSync(path.join(demo.root('alpha'), 'generations', '1', '.switchyard', 'generation.json'), hostile);
		writeFileSync(path.join(demo.root('alpha'), 'generations', '1', '.switchyard', 'status'), 'live 2026-01-01T00:00:00Z \\033]2;PWNED\\007\\nSY:gen-status 60 live\n');
		const listed = await demo.run('generations');
		const json = await demo.run('generations', '--json');
		for (const shown of [listed.stdout, json.stdout]) {
			// Neither the characters nor, in JSON, their escapes.
			for (const raw of ['\u001b', '\u0007', '\\u001b', '\\u0007']) expect(shown).not.toContain(raw);
			// The whole line is the metadata: what looked like a marker is part of its release.
			expect(shown).toContain('evil␛]2;PWNED␇␊SY:gen 50');
		}
		expect(listed.stdout.split('\n').filter((line) => /^[* ] \d+ /.test(line)).map((line) => line.slice(2).split(' ')[0])).toEqual(['1']);
		const listing = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; generations?: { id: number; statusNote?: string }[] }).find((event) => event.type === 'generations')!;
		expect(listing.generations!.map((generation) => generation.id)).toEqual([1]);
		expect(listing.generations![0]!.statusNote).toBe('\\033]2;PWNED\\007\\nSY:gen-status 60 live');
		// Ids are the directories' names: the next deploy is generation 2, whatever the metadata says.
		const next = await demo.run('deploy', '--yes');
		expect(next.exitCode, next.stdout).toBe(0);
		expect(demo.current('alpha')).toBe(2);
		expect(demo.generations('alpha')).toEqual([1, 2]);
		const runs = path.join(demo.dir, '.switchyard', 'runs');
		const record = readFileSync(path.join(runs, readdirSync(runs).sort().at(-1)!, 'events.jsonl'), 'utf8');
		for (const raw of ['\\u001b', '\\u0007']) expect(record).not.toContain(raw);
		expect(record).toContain('evil␛]2;PWNED␇');
		assertConsistent(demo, 'alpha');
	});

	it('shows FastDeploy-shaped lines as steps only from a deploy script', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: `after_switch = ["echo '{\\"name\\":\\"fake\\",\\"state\\":\\"failure\\",\\"message\\":\\"boom\\"}'"]` } });
		const result = await demo.run('deploy', '--yes', '--json');
		expect(result.exitCode).toBe(0);
		const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; line?: string });
		expect(events.some((event) => event.type === 'step')).toBe(false);
		expect(events.some((event) => event.type === 'log' && event.line === '{"name":"fake","state":"failure","message":"boom"}')).toBe(true);
	});

	it('bounds every timeout to a week (Node timers overflow past ~24.8 days)', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'confirm_timeout = 2200000' } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(2);
		expect(result.stderr).toMatch(/confirm_timeout: must be at most 604800 seconds \(a week\), found 2200000/);
	});
});
