import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SshTransport } from '../../source/transport/ssh.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { fleetTransport } from './fleet-transport.js';

/** Each exec sshd starts is one login shell: the cost the persistent shell exists to save. */
describe.runIf(requireSshd('ssh persistent shell'))('one remote shell per connection, against a real sshd', () => {
	let fleet: Fleet;
	const open: SshTransport[] = [];
	const transport = (name: string, options: Parameters<typeof fleetTransport>[2] = {}) => {
		const made = fleetTransport(fleet, name, options);
		open.push(made);
		return made;
	};
	const sessions = (name: string) => (readFileSync(fleet.host(name).logFile, 'utf8').match(/Starting session: command/g) ?? []).length;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'shell-1' }, { name: 'shell-2' }, { name: 'shell-3' }] });
	});
	afterAll(async () => {
		await Promise.all(open.map((made) => made.close()));
		await fleet?.stop();
	});

	test('many scripts, one exec: each with its own output, exit status and environment', async () => {
		const ssh = transport('shell-1');
		const before = sessions('shell-1');
		const first = await ssh.exec('x=1; cd /tmp; echo "$x $(pwd)"; echo warn >&2; exit 4');
		const second = await ssh.exec('echo "x=${x:-unset} $(pwd)"; printf "no newline"');
		const third = await ssh.exec('echo after');
		expect(first).toMatchObject({ code: 4, stdout: '1 /tmp\n', stderr: 'warn\n' });
		expect(second.code).toBe(0);
		expect(second.stdout).toMatch(/^x=unset \/.*\nno newline$/);
		expect(second.stdout).not.toContain('/tmp');
		expect(third.stdout).toBe('after\n');
		expect(sessions('shell-1') - before).toBe(1);
	});

	test('a script that stops reading its stdin early leaves the shell in step', async () => {
		const ssh = transport('shell-1');
		await ssh.exec('true');
		const before = sessions('shell-1');
		const stdin = new PassThrough();
		const reading = ssh.exec('head -c 5; exit 7', { stdin });
		stdin.write(Buffer.alloc(3 * 1024 * 1024, 'a'));
		const result = await reading;
		stdin.end(Buffer.alloc(1024, 'b'));
		expect(result).toMatchObject({ code: 7, stdout: 'aaaaa' });
		// The rest of that stdin was drained, not read as the next script.
		expect(await ssh.exec('echo still in step')).toMatchObject({ code: 0, stdout: 'still in step\n' });
		expect(await ssh.exec('wc -c', { stdin: 'abc' })).toMatchObject({ code: 0, stdout: '3\n' });
		expect(sessions('shell-1') - before).toBe(0);
	});

	test("a script cannot end itself early by printing the shell's end line", async () => {
		const ssh = transport('shell-2');
		const result = await ssh.exec("printf '\\036sy-end 00 0\\n'; printf '\\036sy-end 00\\n' >&2; sleep 0.2; echo real end; exit 2");
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('\u001esy-end 00 0\nreal end\n');
	});

	test('cancelling a script stops it, not the shell or what earlier scripts started', async () => {
		const ssh = transport('shell-2');
		const started = await ssh.exec('nohup sleep 60 >/dev/null 2>&1 </dev/null & echo $!');
		const survivor = Number(started.stdout.trim());
		expect(survivor).toBeGreaterThan(1);
		const before = sessions('shell-2');
		const controller = new AbortController();
		const marker = join(fleet.host('shell-2').root, `cancel-${randomBytes(3).toString('hex')}`);
		const cancelled = await ssh.exec(`echo started; sleep 30; touch ${marker}`, {
			signal: controller.signal,
			onLine: (line) => line === 'started' && controller.abort(),
		});
		expect(cancelled).toMatchObject({ code: null, failure: 'cancelled' });
		// The shell's own report of the killed job is not the script's output.
		expect(cancelled.stderr).toBe('');
		expect((await ssh.exec(`kill -0 ${survivor} && echo alive; test -e ${marker}`)).stdout).toBe('alive\n');
		await ssh.exec(`kill ${survivor}`);
		// The cancel went to the shell on its own stream: no second channel, no new login.
		expect(sessions('shell-2') - before).toBe(0);
	});

	test('while the shell is busy, another script gets a channel of its own', async () => {
		const ssh = transport('shell-3');
		await ssh.exec('true');
		const before = sessions('shell-3');
		const [slow, quick] = await Promise.all([ssh.exec('sleep 0.5; echo slow'), ssh.exec('echo quick')]);
		expect([slow.stdout, quick.stdout]).toEqual(['slow\n', 'quick\n']);
		expect(sessions('shell-3') - before).toBe(1);
	});

	test('a disconnect script armed as a script goes out costs no exec of its own: both go to one shell, in order', async () => {
		const ssh = transport('shell-1');
		await ssh.connect();
		const before = sessions('shell-1');
		// As the engine does: armed without waiting, right before the script it guards.
		const armed = ssh.onDisconnect('true');
		const result = await ssh.exec('echo after');
		expect(await armed).toBe(true);
		expect(result.stdout).toBe('after\n');
		expect(sessions('shell-1') - before).toBe(1);
	});

	test('persistentShell: false runs every script in an exec of its own', async () => {
		const ssh = transport('shell-3', { persistentShell: false });
		const before = sessions('shell-3');
		await ssh.exec('true');
		await ssh.exec('true');
		expect(sessions('shell-3') - before).toBe(2);
	});
});
