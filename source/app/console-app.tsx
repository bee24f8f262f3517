import { Box } from 'ink';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ChangeList } from './change-view/change-list.js';
import { FileDiffView } from './change-view/file-diff-view.js';
import { useConsoleServices, useConsoleState } from './console-context.js';
import { consoleLayout } from './console-layout.js';
import { ConfirmDialog } from './confirm-dialog/confirm-dialog.js';
import { SwitchQuestion, switchQuestionRows } from './confirm-dialog/switch-question.js';
import { GenerationList } from './generation-list/generation-list.js';
import { groupStaged } from '../engine/staged-groups.js';
import { Header } from './header.js';
import { HelpOverlay } from './help-overlay/help-overlay.js';
import { HostsPane } from './hosts-pane/hosts-pane.js';
import { createKeyQueue, type KeyQueue } from './input/key-queue.js';
import { typedText, withoutLastCharacter, type KeyPress } from './input/key-reader.js';
import { KeyQueueContext, useKeyFeed } from './input/use-keys.js';
import { keyTargetOf } from './key-context.js';
import { actionFor } from './keymap.js';
import { LogPane } from './log-pane/log-pane.js';
import { PhasePicker } from './phase-picker/phase-picker.js';
import { tickWithFrame } from './spinner/spinner-clock.js';
import { StatusBar } from './status-bar/status-bar.js';
import { useConsoleActions } from './use-console-actions.js';
import { useTerminalSize } from './use-terminal-size.js';
import type { ConsoleEnvironment } from './environment/environment-badge.js';
import type { Modal } from '../store/ui-slice.js';

/**
 * The whole screen: header, body (hosts + log pane, a full-screen log, or a modal) and the
 * status bar. Sized to the terminal on every render so resizes reflow live. Owns the key queue:
 * every key goes through it to the view on screen for it (input/key-queue.ts).
 */
/** `environment`: which of the config's environments the console shows (a badge in the header). */
export function ConsoleApp({ app, environment }: { readonly app: string; readonly environment?: ConsoleEnvironment }) {
	const services = useConsoleServices();
	const { store, controller, exit } = services;
	const perform = useConsoleActions();
	const size = useTerminalSize();
	const { hostCount, modal, view, pane, focus, filterDraft, plan, hostsView, tableLines } = useConsoleState((state) => ({
		hostCount: state.visible.length,
		modal: state.modal,
		view: state.view,
		pane: state.pane,
		focus: state.focus,
		filterDraft: state.filterDraft,
		plan: state.plan,
		hostsView: state.hostsView,
		tableLines: state.visible.length + groupCount(state.group, state.visible, state.hosts),
	}));
	const target = keyTargetOf({ filterDraft, modal, view, pane, focus });
	const context = target.context;
	const layout = consoleLayout(size.columns, size.rows, hostCount, hostsView, tableLines);
	const interrupt = () => perform('interrupt');

	// Keys no view claims (a screen without keys of its own): the keys that work everywhere.
	const performRef = useRef(perform);
	performRef.current = perform;
	const [queue] = useState<KeyQueue>(() => {
		const created = createKeyQueue({
			target: () => keyTargetOf(store.getState()).id,
			fallback: (key) => {
				const action = actionFor(keyTargetOf(store.getState()).context, key.name);
				if (action === 'help' || action === 'quit' || action === 'interrupt' || action === 'close' || action === 'switch-pane') performRef.current(action);
			},
		});
		services.onKeyQueue?.(created);
		return created;
	});
	useKeyFeed(queue);
	// Typing a filter: handled here, whatever the body shows (a question may have opened meanwhile).
	const editFilter = useRef((key: KeyPress) => {
		const state = store.getState();
		const action = actionFor('text', key.name);
		if (action === 'accept-text') state.applyFilter();
		else if (action === 'cancel-text') state.cancelFilter();
		else if (action === 'delete-char') state.editFilter(withoutLastCharacter(state.filterDraft ?? ''));
		else if (action === 'interrupt') performRef.current('interrupt');
		else if (typedText(key)) state.editFilter((state.filterDraft ?? '') + typedText(key));
	});
	useLayoutEffect(() => queue.register('text', (key) => editFilter.current(key)), [queue]);
	// After the views of this frame have registered: keys waiting for a view nobody drew go on.
	useLayoutEffect(() => queue.rendered(target.id), [queue, target.id]);
	// Spinners move with each published batch (one commit, one frame) rather than on a timer of their own.
	useEffect(() => store.subscribe((state, previous) => state.version !== previous.version && tickWithFrame()), [store]);

	// Dialogs and the generation list sit under the hosts (in the log pane's place) when there is
	// room, so the operator sees the hosts they are about; otherwise they take the whole body.
	const dialogRows = dialogHeight(modal, store.getState().run.leftOut.length);
	const docked = view === 'grid' && dialogRows <= layout.logRows;
	const slotRows = docked ? layout.logRows : layout.bodyRows;
	const dialog = { height: slotRows, width: layout.width, keyTarget: target.id, onInterrupt: interrupt };

	const panel = (() => {
		switch (modal.kind) {
			case 'help':
				return <HelpOverlay height={layout.bodyRows} width={layout.width} />;
			case 'phases':
				return (
					<PhasePicker
						plan={plan}
						height={layout.bodyRows}
						width={layout.width}
						onChoose={(chosen) => {
							store.getState().setPlan(chosen);
							store.getState().closeModal();
						}}
					/>
				);
			case 'generations':
				return <GenerationList host={modal.host} height={slotRows} width={layout.width} />;
			case 'confirm-switch':
				return <SwitchQuestion staged={modal.staged} {...(modal.plan ? { plan: modal.plan } : {})} height={slotRows} width={layout.width} />;
			case 'changes':
				return <ChangeList host={modal.host} height={layout.bodyRows} width={layout.width} />;
			case 'diff':
				return <FileDiffView host={modal.host} path={modal.path} height={layout.bodyRows} width={layout.width} />;
			case 'confirm-rollback':
				return (
					<ConfirmDialog
						{...dialog}
						title="Rollback"
						lines={modal.hosts.map((host) => `${host}: ${'generation' in modal.target ? `→ generation ${modal.target.generation}` : 'release' in modal.target ? `→ release ${modal.target.release}` : '→ previous'}`)}
						question={modal.question}
						onAnswer={(yes) => {
							// Yes goes back to the hosts to watch it; No back to the list it was asked from.
							store.getState().removeModal(yes ? 'generations' : 'confirm-rollback');
							store.getState().removeModal('confirm-rollback');
							if (yes) controller.rollback(modal.hosts, modal.target);
							else store.getState().setNotice('rollback declined: nothing changed');
						}}
					/>
				);
			case 'confirm-wave':
				return (
					<ConfirmDialog
						{...dialog}
						title={`Wave ${modal.progress.next - 1} of ${modal.progress.total} done${modal.progress.next === 2 ? ' (canary)' : ''}`}
						lines={[
							`switched: ${modal.progress.switched.join(', ') || '–'}`,
							`failed: ${modal.progress.failed.join(', ') || 'none'}`,
							`still staged: ${modal.progress.remaining.join(', ')}`,
						]}
						question={`Continue with wave ${modal.progress.next}? (No stops here; the rest stay staged)`}
						onAnswer={(yes) => controller.answerWave(yes)}
					/>
				);
			case 'confirm-break-lock':
				return (
					<ConfirmDialog
						{...dialog}
						title={`Break the deploy lock of ${modal.host}?`}
						lines={[`${modal.holder}.`, 'Whoever holds it may still be deploying. Removing it is recorded in switches.log.']}
						question="Remove the lock?"
						onAnswer={(yes) => {
							store.getState().removeModal('confirm-break-lock');
							if (yes) controller.breakLock(modal.host);
							else store.getState().setNotice('lock left in place');
						}}
					/>
				);
			case 'confirm-quit':
				return (
					<ConfirmDialog
						{...dialog}
						title="Work is running"
						lines={['Quitting cancels the run: unstarted work stops, in-flight switches finish, locks are released.']}
						question="Quit anyway?"
						onAnswer={(yes) => {
							store.getState().removeModal('confirm-quit');
							if (yes) {
								controller.cancel();
								exit();
							}
						}}
						onInterrupt={() => {
							controller.cancel();
							exit();
						}}
					/>
				);
			default:
				return null;
		}
	})();

	const body = (() => {
		if (panel !== null && !docked) return panel;
		if (view !== 'grid') {
			const host = view === 'all-logs' ? null : focus;
			return <LogPane key={`full-${host ?? '*'}`} host={host} keyTarget={context === 'log' ? target.id : null} height={layout.bodyRows} width={layout.width} wrap />;
		}
		return (
			<Box flexDirection="column">
				<HostsPane layout={layout} />
				{docked ? panel : null}
				{!docked && layout.logRows > 0 && focus !== null ? <LogPane key={`pane-${focus}`} host={focus} keyTarget={context === 'log' ? target.id : null} height={layout.logRows} width={layout.width} /> : null}
			</Box>
		);
	})();

	return (
		<KeyQueueContext.Provider value={queue}>
			<Box flexDirection="column" width={layout.width} height={layout.bodyRows + 3} overflowY="hidden">
				<Header app={app} environment={environment} width={layout.width} />
				<Box height={layout.bodyRows} flexDirection="column" overflowY="hidden">
					{body}
				</Box>
				<StatusBar width={layout.width} context={context} />
			</Box>
		</KeyQueueContext.Provider>
	);
}

/** Rows a dialog needs to sit under the hosts; Infinity: it takes the whole body. */
function dialogHeight(modal: Modal, leftOut: number): number {
	switch (modal.kind) {
		case 'confirm-switch':
			return switchQuestionRows(groupStaged(modal.staged).length, leftOut);
		case 'confirm-rollback':
			return modal.hosts.length + 4;
		case 'confirm-quit':
			return 5;
		case 'confirm-break-lock':
			return 6;
		case 'confirm-wave':
		case 'generations':
			return 7;
		default:
			return Infinity;
	}
}

/** Group headings the table shows (distinct n-th tags among the hosts on screen). */
function groupCount(group: number, visible: readonly string[], hosts: Readonly<Record<string, { readonly tags: readonly string[] }>>): number {
	if (group === 0) return 0;
	return new Set(visible.map((name) => hosts[name]?.tags[group - 1] ?? '')).size;
}
