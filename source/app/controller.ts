import type { Config, HostConfig } from '../config/types.js';
import type { EngineEvent, FileChange, RunSummary, StagedHost } from '../engine/events.js';
import type { LockReading } from '../engine/inspect-fleet.js';
import { SessionFold, type SessionRun } from '../engine/outcome/session.js';
import { eventLines } from '../engine/outcome/words.js';
import type { DeployRequest, FileDiff, OpenTransport, RollbackRequest, RollbackTarget, RunContext, StagedLook, WaveProgress } from '../engine/requests.js';
import { twoStepCancel, type RunCancel } from '../engine/run-cancellation.js';
import { listedState } from '../engine/host-state.js';
import { DeployTracker, lastDeploy, retrySource } from '../record/last-run.js';
import { lastKnownHosts, type KnownHost } from '../record/last-known.js';
import { runSinks, type RunSinks } from '../record/run-sinks.js';
import type { ConsoleStore } from '../store/console-store.js';
import type { Modal } from '../store/ui-slice.js';
import { keysOf } from './keymap.js';
import type { WavePlan } from '../engine/waves.js';

/** The engine entry points the console calls; the real ones come from `engine/index.ts`. */
export interface ConsoleEngine {
	runDeploy(request: DeployRequest): Promise<RunSummary>;
	runRollback(request: RollbackRequest): Promise<RunSummary>;
	breakLocks(context: RunContext): Promise<RunSummary>;
	readLocks(context: RunContext): Promise<ReadonlyMap<string, LockReading>>;
	listGenerations(context: RunContext): Promise<unknown>;
	tailLogs(host: HostConfig, openTransport: OpenTransport, onLine: (line: string) => void, signal: AbortSignal, options?: { readonly cwd?: string }): Promise<void>;
}

export interface ConsoleControllerOptions {
	readonly config: Config;
	readonly store: ConsoleStore;
	readonly engine: ConsoleEngine;
	readonly openTransport: OpenTransport;
	readonly jobs?: number;
	readonly operator?: string;
}

/**
 * The console's intents (deploy, cancel, confirm, rollback, tail) turned into engine calls.
 * The only module of `app/` that talks to the engine; components call these methods.
 */
export interface ConsoleController {
	/** Deploys `hosts`; `leftOut` are selected hosts the filter hid, for the switch question to name. */
	deploy(hosts: readonly string[], leftOut?: readonly string[]): boolean;
	retryFailed(): boolean;
	cancel(): void;
	/** The operator's answer to the confirm-before-switch dialog. */
	answerConfirm(yes: boolean): void;
	/** While the switch is being asked: the files a staged host's new generation changes. */
	changesOf(host: string): readonly FileChange[];
	/** While the switch is being asked: one changed file, current against staged. */
	fileDiff(host: string, path: string): Promise<FileDiff>;
	showGenerations(host: string): void;
	/** Reads every host's generations and lock (no lock taken) so tiles show what runs where before any deploy. */
	refreshGenerations(): Promise<void>;
	/** Shows each host's last known outcome and generation from the run records (before the hosts answer). */
	recall(): Promise<void>;
	rollback(hosts: readonly string[], target: RollbackTarget): boolean;
	/** The operator's answer between waves (after the canary, between batches). */
	answerWave(go: boolean): void;
	/** Reads the host's lock: a held one is asked about (who holds it, since when); a free one is said so, and nothing asked. */
	askBreakLock(host: string): void;
	breakLock(host: string): boolean;
	toggleTail(host: string): void;
	isBusy(): boolean;
	/** Resolves when the run in flight (if any) has ended. */
	settle(): Promise<void>;
	/** Cancels the run, stops tails, closes the run record. */
	dispose(): Promise<void>;
	/** Where the latest run was recorded. */
	runDir(): string | undefined;
	/** Every run of the session that changed hosts or looked at them for a deploy (deploys, rollbacks, lock breaks), as they ended. */
	sessionRuns(): readonly SessionRun[];
}

/** Said when a key would start work while a run is under way. */
const underWay = 'a run is under way: wait, or c to cancel';

type Question = 'confirm-switch' | 'confirm-wave';

const answerNotices: Record<Question, { yes: string; no: string }> = {
	'confirm-switch': { yes: 'switching staged hosts…', no: 'switch declined: nothing was switched' },
	'confirm-wave': { yes: 'next wave: switching…', no: 'stopped between waves: the remaining hosts stay staged' },
};

export function createConsoleController(options: ConsoleControllerOptions): ConsoleController {
	const { config, store, engine } = options;
	const state = () => store.getState();
	// The last deploy as its events told it (this session's), for R; the record on disk before any.
	const deploys = new DeployTracker();
	// The session's runs, for the summary the console prints when it closes.
	const session = new SessionFold();
	const display = (event: EngineEvent): void => {
		deploys.apply(event);
		session.apply(event);
		if (event.type === 'wave') notice(eventLines(event, 'deploy').join(' '));
		state().ingest(event);
	};
	// Every run goes through the same fan-out as headless: the store, and the recorder for runs that change hosts.
	const sinks: RunSinks = runSinks(config.dir, display);
	const emit = sinks.emit;
	const hostConfigs = (names: readonly string[]): HostConfig[] => config.hosts.filter((host) => names.includes(host.name));
	const notice = (text: string | null): void => state().setNotice(text);

	let cancellation: RunCancel | null = null;
	let running: Promise<void> | null = null;
	const pending = new Map<Question, (yes: boolean) => void>();
	const tails = new Map<string, AbortController>();
	// The read-only generation listings (tiles' "gen N"): stopped when the console closes.
	const listings = new AbortController();
	const tailsDone = new Set<Promise<void>>();

	const context = (names: readonly string[], signal?: AbortSignal, forced?: AbortSignal): RunContext => ({
		config,
		hosts: hostConfigs(names),
		emit,
		openTransport: options.openTransport,
		jobs: options.jobs,
		operator: options.operator,
		signal,
		...(forced ? { force: forced } : {}),
	});

	/** Questions the engine asks the operator mid-run; the answer resolves the engine's promise. */
	const ask = (modal: Extract<Modal, { kind: Question }>): Promise<boolean> =>
		new Promise((resolve) => {
			if (cancellation?.signal.aborted) return resolve(false);
			pending.set(modal.kind, resolve);
			// Hot events are still queued; publish them so the dialog and tiles agree.
			state().flush();
			state().openModal(modal);
		});

	const answer = (kind: Question, yes: boolean): void => {
		const resolve = pending.get(kind);
		pending.delete(kind);
		// The question and whatever was opened over it (its changed files, a diff) go together.
		state().removeModal(kind);
		if (!resolve) return;
		notice(answerNotices[kind][yes ? 'yes' : 'no']);
		resolve(yes);
	};

	// While the switch question is open, the engine lets the dialog look at each staged host's change.
	let look: StagedLook | null = null;
	const confirm = (staged: readonly StagedHost[], staging: StagedLook, plan: WavePlan<string>): Promise<boolean> => {
		look = staging;
		return ask({ kind: 'confirm-switch', staged, plan }).finally(() => (look = null));
	};
	/** Between waves the operator decides; No (stop switching) is the default. */
	const continueWaves = (progress: WaveProgress): Promise<boolean> => ask({ kind: 'confirm-wave', progress });
	const answerConfirm = (yes: boolean): void => answer('confirm-switch', yes);
	const answerWave = (go: boolean): void => answer('confirm-wave', go);

	const start = (kind: 'deploy' | 'rollback', names: readonly string[], work: (run: RunContext) => Promise<RunSummary>, leftOut: readonly string[] = []): boolean => {
		if (running) {
			notice(underWay);
			return false;
		}
		if (names.length === 0) {
			notice('no host to run on: select hosts (space) or clear the filter');
			return false;
		}
		const cancel = twoStepCancel();
		cancellation = cancel;
		state().setRun({ state: 'running', kind, hosts: [...names], summary: null, leftOut });
		notice(`${kind}: ${names.length} host${names.length === 1 ? '' : 's'} · plan ${kind === 'deploy' ? state().plan.name : 'switch + validate'}`);
		running = work(context(names, cancel.signal, cancel.force))
			.then(
				(summary) => {
					state().setRun({ state: 'finished', summary });
					// The tally is beside it in the status bar; the run id finds its record.
					notice(`run ${state().run.runId ?? '?'}`);
				},
				(error: unknown) => {
					state().setRun({ state: 'finished' });
					notice(`${kind} failed: ${error instanceof Error ? error.message : String(error)}`);
				},
			)
			.finally(() => {
				cancellation = null;
				running = null;
				for (const kind of [...pending.keys()]) answer(kind, false);
			});
		return true;
	};

	return {
		deploy(hosts, leftOut = []) {
			const { plan, waves, skips } = state();
			return start('deploy', hosts, (run) => engine.runDeploy({ ...run, phases: plan.phases, waves, skips, confirm, continueWaves }), leftOut);
		},
		retryFailed() {
			if (running) {
				notice(underWay);
				return false;
			}
			// The last deploy, read as headless `deploy --retry` reads its record: same release, same artifact.
			const last = deploys.last ?? lastDeploy(config.dir);
			const source = last && retrySource(last);
			if (!source) {
				notice(last ? `no failed hosts to retry in run ${last.runId}` : 'no deploy to retry yet');
				return false;
			}
			// Loaded here, not at start: retrying fingerprints the artifact (not needed for the first frame).
			void import('../engine/retry.js').then(({ planRetry, RetryRefused }) =>
				planRetry(config, source).then(
					(plan) => start('deploy', plan.hosts.map((host) => host.name), (run) => engine.runDeploy({ ...run, phases: plan.phases, reuse: plan.reuse, waves: state().waves, skips: state().skips, confirm, continueWaves })),
					(error: unknown) => notice(error instanceof RetryRefused ? `retry refused: ${error.message}` : `retry failed: ${error instanceof Error ? error.message : String(error)}`),
				),
			);
			return true;
		},
		cancel() {
			if (!cancellation) {
				notice('nothing to cancel');
				return;
			}
			const step = cancellation.cancel();
			if (step === 'forced') return notice('stopping switches under way: their hosts are reported as they read back');
			if (step === 'stopping') return notice('stopping: waiting for the hosts to answer (bounded by the command deadlines)');
			state().setRun({ state: 'cancelling' });
			for (const kind of [...pending.keys()]) answer(kind, false);
			notice('cancelling: in-flight switches finish');
		},
		answerConfirm,
		answerWave,
		changesOf: (host) => look?.changes(host) ?? [],
		fileDiff: (host, path) => (look ? look.fileDiff(host, path) : Promise.resolve({ kind: 'unavailable', reason: 'nothing is waiting for a switch' })),
		askBreakLock(host) {
			if (running) {
				notice('a run is under way: a lock can be broken once it has ended');
				return;
			}
			notice(`${host}: reading the lock…`);
			// A read, not a run: nothing recorded, nothing shown but the answer.
			engine.readLocks({ ...context([host]), emit: () => {} }).then(
				(readings) => {
					const reading = readings.get(host);
					if (!reading || 'error' in reading) notice(`${host}: could not read the lock: ${reading && 'error' in reading ? reading.error : 'no answer'}`);
					else if (reading.holder === null) notice(`${host}: no lock is held; nothing to break`);
					else if (running) notice(underWay);
					else {
						notice(null);
						state().openModal({ kind: 'confirm-break-lock', host, holder: reading.holder.reason });
					}
				},
				(error: unknown) => notice(`${host}: could not read the lock: ${error instanceof Error ? error.message : String(error)}`),
			);
		},
		breakLock(host) {
			if (running) {
				notice('a run is under way: a lock can be broken once it has ended');
				return false;
			}
			const told: Record<string, (reason?: string) => string> = {
				ok: () => `${host}: lock removed (recorded in switches.log)`,
				skipped: () => `${host}: no lock was held any more; nothing was broken`,
			};
			// Recorded like any run that changes a host, but only its log lines reach the tile: it is not a deploy.
			const onlyLogs = sinks.through((event: EngineEvent): void => {
				session.apply(event);
				if (event.type === 'log') display(event);
				if (event.type === 'host-done') notice(told[event.outcome]?.() ?? `${host}: could not break the lock: ${event.reason ?? event.outcome}`);
			});
			engine.breakLocks({ ...context([host]), emit: onlyLogs }).catch((error: unknown) => notice(`${host}: could not break the lock: ${error instanceof Error ? error.message : String(error)}`));
			return true;
		},
		showGenerations(host) {
			const hostConfig = hostConfigs([host])[0];
			if (!hostConfig) return;
			state().forgetGenerations(host);
			state().openModal({ kind: 'generations', host });
			// Only the list is wanted here: the listing's own run-started/host-done must not reset
			// the tile's record of the last deploy.
			const onlyGenerations = (event: EngineEvent): void => {
				if (event.type === 'generations' || event.type === 'host-facts' || event.type === 'log') display(event);
				if (event.type === 'host-done' && event.outcome !== 'ok') state().generationsFailed(host, event.reason ?? event.outcome);
				if (event.type === 'generations') state().flush();
			};
			engine.listGenerations({ ...context([host]), emit: onlyGenerations }).catch((error: unknown) => {
				state().generationsFailed(host, error instanceof Error ? error.message : String(error));
			});
		},
		async recall() {
			const known = await lastKnownHosts(config.dir, config.hosts.map((host) => host.name), listings.signal).catch(() => new Map<string, KnownHost>());
			if (!listings.signal.aborted) state().recall(known);
		},
		async refreshGenerations() {
			const failures: string[] = [];
			const onlyGenerations = (event: EngineEvent): void => {
				if (event.type === 'generations' || event.type === 'host-facts') display(event);
				if (event.type === 'host-done' && event.outcome !== 'ok') failures.push(`${event.host}: ${event.reason ?? event.outcome}`);
			};
			try {
				await engine.listGenerations({ ...context(config.hosts.map((host) => host.name), listings.signal), emit: onlyGenerations });
			} catch (error) {
				failures.push(error instanceof Error ? error.message : String(error));
			}
			state().flush();
			if (failures.length > 0 && !running) notice(`could not read generations of ${failures.length} host${failures.length === 1 ? '' : 's'} (${failures[0]})`);
		},
		rollback(hosts, target) {
			// The lists the operator picked from: each host is then one round trip unless it changed since.
			const known = new Map(
				hosts.flatMap((host) => {
					const listed = state().generations[host];
					const known = listed && listedState({ ...listed, generations: listed.list });
					return known ? [[host, known] as const] : [];
				}),
			);
			return start('rollback', hosts, (run) => engine.runRollback({ ...run, target, known }));
		},
		toggleTail(host) {
			const existing = tails.get(host);
			if (existing) {
				existing.abort();
				return;
			}
			const hostConfig = hostConfigs([host])[0];
			if (!hostConfig) return;
			const controller = new AbortController();
			tails.set(host, controller);
			const done = (async () => {
				// Loaded here, not at start: it knows every strategy's service logs.
				const nothing = (await import('../engine/tail-logs.js')).noServiceLogs(hostConfig);
				if (nothing || controller.signal.aborted) {
					tails.delete(host);
					if (!nothing) return;
					state().appendLog(host, 'info', `✗ service logs: ${nothing}`);
					notice(`${host}: ${nothing}`);
					return;
				}
				state().setTailing(host, true);
				state().appendLog(host, 'info', `≡ tailing service logs of ${host} (${keysOf('tail-logs')} stops)`);
				try {
					// Secret commands (for masking) run where hosts.toml is, as they do for a deploy.
					await engine.tailLogs(hostConfig, options.openTransport, (line) => state().appendLog(host, 'service', line), controller.signal, { cwd: config.dir });
				} catch (error) {
					if (!controller.signal.aborted) state().appendLog(host, 'info', `✗ service logs: ${error instanceof Error ? error.message : String(error)}`);
				} finally {
					tails.delete(host);
					state().appendLog(host, 'info', `≡ service log tail of ${host} ended`);
					state().setTailing(host, false);
				}
			})();
			tailsDone.add(done);
			void done.finally(() => tailsDone.delete(done));
		},
		isBusy: () => running !== null,
		async settle() {
			await running;
		},
		async dispose() {
			if (cancellation) this.cancel();
			listings.abort();
			for (const tail of tails.values()) tail.abort();
			await Promise.all([running, ...tailsDone]);
			await sinks.close();
			state().dispose();
		},
		runDir: () => sinks.runDir(),
		sessionRuns: () => session.runs,
	};
}
