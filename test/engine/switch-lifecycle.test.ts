import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLocalHosts } from '../support/one-local-host.js';
import { waitFor } from '../support/wait-for.js';
import { runDeploy } from '../../source/engine/deploy.js';
import type { EngineEvent, EventOf } from '../../source/engine/events.js';
import { runRollback } from '../../source/engine/rollback.js';
import { LocalTransport } from '../../source/transport/local.js';
import { TransportError, type ExecOptions } from '../../source/transport/transport.js';

/**
 * A host's switch, validation and way back, on a local host (real `sh`, real files), with the
 * faults the dead-man exists for injected at the transport: a new login that fails, a claim that
 * reaches the host only after the watchdog decided. No sshd.
 */
const newHost = oneLocalHosts('switchyard-switch-');

/** What a connection does differently: `connect` fails, or a script waits for something before it runs. */
interface Fault {
	readonly refuse?: boolean;
	readonly holdUntil?: { readonly script: RegExp; readonly until: () => boolean };
}

function setup(hostToml: string) {
	const { dir, root, config } = newHost(hostToml);
	/** `faults[i]`: what the i-th connection of a run does (0 is the run's own; later ones are new logins). */
	const run = async (work: 'deploy' | 'rollback', faults: Fault[] = [], version = 'v') => {
		writeFileSync(path.join(dir, 'artifact', 'version.txt'), version);
		const events: EngineEvent[] = [];
		let opened = 0;
		const openTransport = () => {
			const fault = faults[opened++] ?? {};
			const local = new LocalTransport();
			return Object.assign(Object.create(local) as LocalTransport, {
				connect: () => (fault.refuse ? Promise.reject(new TransportError('connection refused')) : local.connect()),
				exec: async (script: string, options?: ExecOptions) => {
					if (fault.holdUntil?.script.test(script)) await waitFor(fault.holdUntil.until, `the host to be ready for ${fault.holdUntil.script}`);
					return local.exec(script, options);
				},
			});
		};
		const context = { config, hosts: config.hosts, emit: (event: EngineEvent) => void events.push(event), openTransport, operator: 'test@here' };
		const summary =
			work === 'deploy' ? await runDeploy({ ...context, phases: ['preflight', 'upload', 'switch', 'validate'], confirm: async () => true }) : await runRollback({ ...context, target: { previous: true } });
		const switches = events.filter((event): event is EventOf<'switched'> => event.type === 'switched').map((event) => `${event.from ?? '-'}→${event.to} ${event.reason}`);
		return { outcome: summary.outcomes['h'], reason: summary.reasons['h'] ?? '', current: summary.current['h'], switches, events };
	};
	const current = () => readlinkSync(path.join(root, 'current'));
	const switchesLog = () => readFileSync(path.join(root, 'switches.log'), 'utf8').trim().split('\n').map((line) => line.split('\t').slice(2, 5).join(' '));
	const watchdogReverted = () => existsSync(path.join(root, '.watchdog')) && readdirSync(path.join(root, '.watchdog')).some((name) => name.endsWith('.reverted'));
	const locked = () => existsSync(path.join(root, '.lock'));
	return { root, run, current, switchesLog, watchdogReverted, locked };
}

/** Health fails on a generation built from "bad"; a short window for the watchdog (validation ≤ 1.1 s, then 1 s to confirm). */
const guarded = 'watchdog = true\nconfirm_timeout = 1\nhealth = { command = "! grep -q bad version.txt", retries = 0, timeout = 1, interval = 0.1 }';

describe('a switch without a dead-man', () => {
	it('a failed validation goes back by itself and validates there', async () => {
		const host = setup('watchdog = false\nhealth = { command = "! grep -q bad version.txt", retries = 0 }');
		expect((await host.run('deploy', [], 'v1')).outcome).toBe('ok');
		const bad = await host.run('deploy', [], 'bad');
		expect(bad.outcome).toBe('rolled-back');
		expect(bad.reason).toMatch(/^! grep -q bad version.txt: exit status 1; rolled back to generation 1$/);
		expect(bad.switches).toEqual(['1→2 deploy', '2→1 auto-rollback']);
		// The way back is validated too, marked as part of going back.
		expect(bad.events.filter((event) => event.type === 'phase' && event.phase === 'validate' && event.status !== 'running').map((event) => `${(event as EventOf<'phase'>).status}${(event as EventOf<'phase'>).revert ? ' (back)' : ''}`)).toEqual(['failed', 'ok (back)']);
		expect(host.current()).toBe('generations/1');
		expect(bad.current).toBe(1);
		expect(host.locked()).toBe(false);
	});

	it('with nothing to go back to, a failed first deploy needs manual intervention', async () => {
		const host = setup('watchdog = false\nhealth = { command = "! grep -q bad version.txt", retries = 0 }');
		const bad = await host.run('deploy', [], 'bad');
		expect(bad.outcome).toBe('manual');
		expect(bad.reason).toMatch(/; no previous generation to return to — manual intervention required$/);
		expect(host.current()).toBe('generations/1');
	});

	it('when going back fails too, manual intervention is required and the host says where it is', async () => {
		// Activation fails on generation 1 once `break-1` exists: the way back cannot activate.
		const host = setup(`watchdog = false\nafter_switch = ["test ! -f {root}/break-1 || [ \\"$(readlink {root}/current)\\" != generations/1 ]"]\nhealth = { command = "! grep -q bad version.txt", retries = 0 }`);
		expect((await host.run('deploy', [], 'v1')).outcome).toBe('ok');
		writeFileSync(path.join(host.root, 'break-1'), '');
		const bad = await host.run('deploy', [], 'bad');
		expect(bad.outcome).toBe('manual');
		expect(bad.reason).toMatch(/; switched back to generation 1, but activating it failed \(activating generation 1: .*\) — manual intervention required$/);
		expect(bad.switches).toEqual(['1→2 deploy', '2→1 auto-rollback']);
		expect(bad.current).toBe(1);
	});

	it('a rollback that had to be undone failed: the host is back where it was', async () => {
		const host = setup('watchdog = false\nhealth = { command = "! grep -q v1 version.txt", retries = 0 }');
		await host.run('deploy', [], 'v0');
		await host.run('deploy', [], 'v2');
		expect(host.current()).toBe('generations/2');
		// Generation 1 was healthy when it went live; now it is not (it says v1).
		writeFileSync(path.join(host.root, 'generations', '1', 'version.txt'), 'v1');
		const back = await host.run('rollback');
		expect(back.outcome).toBe('failed');
		expect(back.reason).toMatch(/^! grep -q v1 version.txt: exit status 1; rolled back to generation 2$/);
		expect(back.switches).toEqual(['2→1 rollback', '1→2 auto-rollback']);
		expect(host.current()).toBe('generations/2');
	});
});

describe('a switch under a dead-man', () => {
	it('a failed validation: the engine claims the decision from the watchdog, then goes back itself', async () => {
		const host = setup(guarded);
		await host.run('deploy', [], 'v1');
		const bad = await host.run('deploy', [], 'bad');
		expect(bad.outcome).toBe('rolled-back');
		expect(bad.reason).toMatch(/; rolled back to generation 1$/);
		expect(bad.switches).toEqual(['1→2 deploy', '2→1 auto-rollback']);
		expect(host.switchesLog().slice(-2)).toEqual(['1 2 deploy', '2 1 auto-rollback']);
		await waitFor(() => readdirSync(path.join(host.root, '.watchdog')).every((name) => !name.endsWith('.sh')), 'the watchdog to see the claim and end');
		expect(host.watchdogReverted()).toBe(false);
	});

	it('new logins fail after the switch: the watchdog reverts, and the run reports it as the host says', async () => {
		const host = setup(guarded);
		await host.run('deploy', [], 'v1');
		const lost = await host.run('deploy', [{}, { refuse: true }, { refuse: true }], 'v2');
		expect(lost.outcome).toBe('rolled-back');
		expect(lost.reason).toBe('new logins failed after the switch (connection refused); reverted by watchdog to generation 1');
		expect(lost.switches).toEqual(['1→2 deploy', '2→1 watchdog-revert']);
		expect(host.switchesLog().at(-1)).toBe('2 1 watchdog-revert');
		expect(host.current()).toBe('generations/1');
		expect(lost.current).toBe(1);
		expect(host.locked()).toBe(false);
	});

	it('a confirmation that reaches the host after the watchdog decided is the revert it is, never ok', async () => {
		const host = setup(guarded);
		await host.run('deploy', [], 'v1');
		const late = await host.run('deploy', [{}, { holdUntil: { script: /watchdog-confirmed/, until: host.watchdogReverted } }], 'v2');
		expect(late.outcome).toBe('rolled-back');
		expect(late.reason).toBe("the confirmation of generation 2 came too late (validation and the confirming login took longer than the watchdog's deadline); reverted by watchdog to generation 1");
		expect(late.switches).toEqual(['1→2 deploy', '2→1 watchdog-revert']);
		expect(host.current()).toBe('generations/1');
		expect(late.current).toBe(1);
	});

	it("the engine's own claim comes too late after a failed validation: the watchdog's revert is read, not made twice", async () => {
		const host = setup(guarded);
		await host.run('deploy', [], 'v1');
		const late = await host.run('deploy', [{ holdUntil: { script: /engine: rolling back/, until: host.watchdogReverted } }], 'bad');
		expect(late.outcome).toBe('rolled-back');
		expect(late.reason).toBe("! grep -q bad version.txt: exit status 1 (validation and the confirming login took longer than the watchdog's deadline); reverted by watchdog to generation 1");
		expect(late.switches).toEqual(['1→2 deploy', '2→1 watchdog-revert']);
		expect(host.switchesLog().slice(-2)).toEqual(['1 2 deploy', '2 1 watchdog-revert']);
		expect(host.current()).toBe('generations/1');
	});
});
