import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLocalHosts } from '../support/one-local-host.js';
import { waitFor } from '../support/wait-for.js';
import type { HostConfig } from '../../source/config/types.js';
import { HostSession } from '../../source/engine/host-session.js';
import { confirmSeconds, deadManFor, settleEarlierWatchdogs, type DeadMan } from '../../source/engine/lifecycle/dead-man.js';
import { parseCurrent, readCurrent } from '../../source/engine/remote/inspect.js';
import { script } from '../../source/engine/remote/quote.js';
import { LocalTransport } from '../../source/transport/local.js';

/**
 * The dead-man's verdicts, both sides for real: its scripts run in `sh` on a local host (a temp
 * dir), the engine's side reads them. A new login that fails is the one fault injected.
 */
const newHost = oneLocalHosts('switchyard-dead-man-');

/** A host whose `current` is generation 2, with generation 1 to go back to; the window after activation is 2 s. */
function setup(toml = 'watchdog = true\nconfirm_timeout = 1\nhealth = { retries = 0, interval = 0.1 }') {
	const { root, config } = newHost(toml);
	for (const id of [1, 2]) mkdirSync(path.join(root, 'generations', String(id)), { recursive: true });
	symlinkSync('generations/2', path.join(root, 'current'));
	const host = config.hosts[0]!;
	const log: string[] = [];
	const session = new HostSession(host, new LocalTransport(), (event) => void (event.type === 'log' && log.push(event.line)));
	const deadMan = (login: () => Promise<HostSession> = async () => session.over(new LocalTransport()), over = session) => {
		const made = deadManFor({
			host,
			session: over,
			runId: 'run-a',
			to: 2,
			from: 1,
			validate: true,
			current: { script: readCurrent(root), read: parseCurrent },
			login,
		});
		if (!made) throw new Error('expected a dead-man');
		return made;
	};
	// The revert the watchdog runs: `current` back to generation 1, as a switch does (rename over it).
	const revert = `ln -s generations/1 ${root}/.current.new && mv -T ${root}/.current.new ${root}/current`;
	/** Arms it in a shell that ends at once, marked activated: the confirmation window starts now. */
	const arm = async (made: DeadMan) => {
		const armed = await session.run(script(made.arm(revert), made.activated));
		expect(armed.markers.some((line) => line.startsWith('watchdog-armed '))).toBe(true);
		return Date.now();
	};
	const watchdog = (suffix: string) => path.join(root, '.watchdog', `run-a-2${suffix}`);
	const current = () => readlinkSync(path.join(root, 'current'));
	return { root, host, session, deadMan, arm, watchdog, current, log };
}

describe('the dead-man: deadlines', () => {
	it('gives validation as long as the host health allows, plus confirm_timeout for the login', () => {
		const { host } = setup('watchdog = true\nconfirm_timeout = 3\nhealth = { command = ["true", "true"], http = ["http://127.0.0.1:1/"], timeout = 2, retries = 1, interval = 0.5 }');
		// (retries + 1) × (3 checks × 2 s + 0.5 s) = 13 s, + 3 s to confirm.
		expect(confirmSeconds(host, true)).toBe(16);
		expect(confirmSeconds(host, false)).toBe(3);
	});

	it('guards only a switch with a way back that is not where it goes, on a host that asks for it', () => {
		const { host } = setup();
		const input = { host, session: setup().session, runId: 'r', validate: true, current: { script: '', read: () => undefined }, login: () => Promise.reject(new Error('unused')) };
		expect(deadManFor({ ...input, to: 2, from: 1 })?.token).toBe('r-2');
		expect(deadManFor({ ...input, to: 2, from: null })).toBeUndefined();
		expect(deadManFor({ ...input, to: 2, from: 2 })).toBeUndefined();
		const unguarded: HostConfig = { ...host, watchdog: false };
		expect(deadManFor({ ...input, host: unguarded, to: 2, from: 1 })).toBeUndefined();
	});
});

describe('the dead-man: verdicts', () => {
	it('confirmed over a new login: the watchdog sees it and ends without reverting', async () => {
		const host = setup();
		const deadMan = host.deadMan();
		const activatedAt = await host.arm(deadMan);
		expect(await deadMan.confirm(deadMan.startLogin(), undefined, activatedAt)).toEqual({ kind: 'confirmed', current: 2 });
		expect(host.log).toContain('watchdog confirmed over a new connection');
		await waitFor(() => !existsSync(host.watchdog('.sh')), 'the watchdog to see its confirmation and end');
		expect(existsSync(host.watchdog('.reverted'))).toBe(false);
		expect(host.current()).toBe('generations/2');
	});

	it('a confirmation after the watchdog decided is too late, and what it reverted is read from the host', async () => {
		const host = setup();
		const deadMan = host.deadMan();
		const activatedAt = await host.arm(deadMan);
		await waitFor(() => existsSync(host.watchdog('.reverted')), 'the watchdog to revert');
		const verdict = await deadMan.confirm(deadMan.startLogin(), undefined, activatedAt);
		expect(verdict).toEqual({ kind: 'watchdog', cause: { kind: 'late' }, decidedFirst: true, revert: { kind: 'reverted', exit: 0, current: 1 } });
		expect(host.log).toContain('the confirmation of generation 2 came too late: the watchdog decided first and is reverting to generation 1');
		expect(host.current()).toBe('generations/1');
	});

	it('a watchdog a later run disarmed was taken over: by whom is said', async () => {
		const host = setup();
		const deadMan = host.deadMan();
		// Its process is gone (the host rebooted): only its script is left, and the next run disarms it.
		mkdirSync(path.dirname(host.watchdog('.sh')), { recursive: true });
		writeFileSync(host.watchdog('.sh'), '');
		const settled = await host.session.run(settleEarlierWatchdogs(host.root, 'run-b'));
		expect(settled.markers).toContain('watchdog-disarmed run-a-2');
		expect(await deadMan.confirm(deadMan.startLogin(), undefined, Date.now())).toEqual({ kind: 'taken-over', cause: { kind: 'late' }, by: 'disarmed by run run-b' });
		expect(await deadMan.disarm('health: down', Date.now())).toEqual({ kind: 'taken-over', cause: { kind: 'failed', failure: 'health: down' }, by: 'disarmed by run run-b' });
		expect(host.current()).toBe('generations/2');
	});

	it('disarmed before the engine goes back by itself: the watchdog never reverts', async () => {
		const host = setup();
		const deadMan = host.deadMan();
		const activatedAt = await host.arm(deadMan);
		expect(await deadMan.disarm('health: down', activatedAt)).toEqual({ kind: 'disarmed' });
		await waitFor(() => !existsSync(host.watchdog('.sh')), 'the watchdog to see the claim and end');
		expect(existsSync(host.watchdog('.reverted'))).toBe(false);
		expect(host.current()).toBe('generations/2');
	});

	it('when new logins fail nobody can confirm: the window is waited out and the revert read back', async () => {
		const host = setup();
		const deadMan = host.deadMan(() => Promise.reject(new Error('connection refused')));
		const activatedAt = await host.arm(deadMan);
		const verdict = await deadMan.confirm(deadMan.startLogin(), undefined, activatedAt);
		// Not read before the window (2 s after activation) has passed: the host's word, not a guess.
		expect(Date.now() - activatedAt).toBeGreaterThanOrEqual(2000);
		expect(verdict).toEqual({ kind: 'watchdog', cause: { kind: 'no-login', why: 'connection refused' }, decidedFirst: false, revert: { kind: 'reverted', exit: 0, current: 1 } });
		expect(host.log).toContain('new logins failed after the switch (connection refused); waiting for the watchdog to revert to generation 1');
		expect(readdirSync(path.join(host.root, '.watchdog')).filter((name) => name.endsWith('.sh'))).toEqual([]);
	});

	it('a revert that cannot be read back is never taken for one', async () => {
		const host = setup();
		const lost = new HostSession(host.host, Object.assign(Object.create(new LocalTransport()) as LocalTransport, { exec: () => Promise.reject(new Error('connection lost')) }), () => {});
		const deadMan = host.deadMan(() => Promise.reject(new Error('connection refused')), lost);
		const activatedAt = await host.arm(deadMan);
		const verdict = await deadMan.disarm('health: down', activatedAt);
		expect(verdict).toEqual({ kind: 'watchdog', cause: { kind: 'failed', failure: 'health: down' }, decidedFirst: false, revert: { kind: 'unconfirmed' } });
	});
});
