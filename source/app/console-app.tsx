import { Box } from 'ink';
import { useConsoleServices, useConsoleState } from './console-context.js';
import { consoleLayout } from './console-layout.js';
import { ConfirmDialog } from './confirm-dialog/confirm-dialog.js';
import { GenerationList } from './generation-list/generation-list.js';
import { Header } from './header.js';
import { HelpOverlay } from './help-overlay/help-overlay.js';
import { HostGrid } from './host-grid/host-grid.js';
import { keyContextOf } from './key-context.js';
import { LogPane } from './log-pane/log-pane.js';
import { PhasePicker } from './phase-picker/phase-picker.js';
import { StatusBar } from './status-bar/status-bar.js';
import { formatBytes } from '../engine/format-bytes.js';
import { useConsoleActions } from './use-console-actions.js';
import { useTerminalSize } from './use-terminal-size.js';

/**
 * The whole screen: header, body (grid + log pane, a full-screen log, or a modal) and the
 * status bar. Sized to the terminal on every render so resizes reflow live.
 */
export function ConsoleApp({ app }: { readonly app: string }) {
	const { store, controller, exit } = useConsoleServices();
	const perform = useConsoleActions();
	const size = useTerminalSize();
	const { hostCount, modal, view, pane, focus, filterDraft, plan } = useConsoleState((state) => ({
		hostCount: state.visible.length,
		modal: state.modal,
		view: state.view,
		pane: state.pane,
		focus: state.focus,
		filterDraft: state.filterDraft,
		plan: state.plan,
	}));
	const context = keyContextOf({ filterDraft, modal, view, pane });
	const layout = consoleLayout(size.columns, size.rows, hostCount);
	const interrupt = () => perform('interrupt');

	// Dialogs and the generation list sit under the grid (in the log pane's place) when there is
	// room, so the operator sees the tiles they are about; otherwise they take the whole body.
	const dialogRows =
		modal.kind === 'confirm-switch'
			? modal.staged.length + 4
			: modal.kind === 'confirm-rollback'
				? modal.hosts.length + 4
				: modal.kind === 'confirm-quit' || modal.kind === 'confirm-break-lock'
					? 5
					: modal.kind === 'confirm-wave'
						? 7
						: modal.kind === 'generations'
							? 6
							: Infinity;
	const docked = view === 'grid' && dialogRows <= layout.logRows;
	const slotRows = docked ? layout.logRows : layout.bodyRows;
	const alignedHost = (name: string): string => name.padEnd(Math.min(20, Math.max(...(modal.kind === 'confirm-switch' ? modal.staged.map((staged) => staged.host.length) : [0]))));

	const panel = (() => {
		switch (modal.kind) {
			case 'help':
				return <HelpOverlay height={layout.bodyRows} width={layout.width} active={context === 'help'} />;
			case 'phases':
				return (
					<PhasePicker
						plan={plan}
						height={layout.bodyRows}
						width={layout.width}
						active={context === 'phases'}
						onChoose={(chosen) => {
							store.getState().setPlan(chosen);
							store.getState().closeModal();
						}}
						onClose={() => store.getState().closeModal()}
						onInterrupt={interrupt}
					/>
				);
			case 'generations':
				return <GenerationList host={modal.host} height={slotRows} width={layout.width} active={context === 'generations'} />;
			case 'confirm-switch':
				return (
					<ConfirmDialog
						title={`Switch ${modal.staged.length} staged host${modal.staged.length === 1 ? '' : 's'} to the new generation?`}
						lines={modal.staged.map((staged) => `${alignedHost(staged.host)}  ${staged.from ?? '∅'} → ${staged.to}   +${staged.diff.added} ~${staged.diff.changed} -${staged.diff.removed}   ${formatBytes(staged.diff.bytes)}`)}
						question="Switch now?"
						height={slotRows}
						width={layout.width}
						active={context === 'dialog'}
						onAnswer={(yes) => controller.answerConfirm(yes)}
						onInterrupt={interrupt}
					/>
				);
			case 'confirm-rollback':
				return (
					<ConfirmDialog
						title="Rollback"
						lines={modal.hosts.map((host) => `${host}: ${'generation' in modal.target ? `→ generation ${modal.target.generation}` : 'release' in modal.target ? `→ release ${modal.target.release}` : '→ previous'}`)}
						question={modal.question}
						height={slotRows}
						width={layout.width}
						active={context === 'dialog'}
						onAnswer={(yes) => {
							store.getState().closeModal();
							if (yes) controller.rollback(modal.hosts, modal.target);
							else store.getState().setNotice('rollback declined: nothing changed');
						}}
						onInterrupt={interrupt}
					/>
				);
			case 'confirm-wave':
				return (
					<ConfirmDialog
						title={`Wave ${modal.progress.next - 1} of ${modal.progress.total} done${modal.progress.next === 2 ? ' (canary)' : ''}`}
						lines={[
							`switched: ${modal.progress.switched.join(', ') || '–'}`,
							`failed: ${modal.progress.failed.join(', ') || 'none'}`,
							`still staged: ${modal.progress.remaining.join(', ')}`,
						]}
						question={`Continue with wave ${modal.progress.next}? (No stops here; the rest stay staged)`}
						height={slotRows}
						width={layout.width}
						active={context === 'dialog'}
						onAnswer={(yes) => controller.answerWave(yes)}
						onInterrupt={interrupt}
					/>
				);
			case 'confirm-break-lock':
				return (
					<ConfirmDialog
						title={`Break the deploy lock of ${modal.host}?`}
						lines={[`${store.getState().hosts[modal.host]?.reason ?? 'Whoever holds it may still be deploying.'} Removing it is recorded in switches.log.`]}
						question="Remove the lock?"
						height={slotRows}
						width={layout.width}
						active={context === 'dialog'}
						onAnswer={(yes) => {
							store.getState().closeModal();
							if (yes) controller.breakLock(modal.host);
							else store.getState().setNotice('lock left in place');
						}}
						onInterrupt={interrupt}
					/>
				);
			case 'confirm-quit':
				return (
					<ConfirmDialog
						title="Work is running"
						lines={['Quitting cancels the run: unstarted work stops, in-flight switches finish, locks are released.']}
						question="Quit anyway?"
						height={slotRows}
						width={layout.width}
						active={context === 'dialog'}
						onAnswer={(yes) => {
							store.getState().closeModal();
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
			return <LogPane key={`full-${host ?? '*'}`} host={host} height={layout.bodyRows} width={layout.width} active={context === 'log'} />;
		}
		return (
			<Box flexDirection="column">
				<HostGrid layout={layout} context={context} />
				{docked ? panel : null}
				{!docked && layout.logRows > 0 && focus !== null ? <LogPane key={`pane-${focus}`} host={focus} height={layout.logRows} width={layout.width} active={context === 'log'} /> : null}
			</Box>
		);
	})();

	return (
		<Box flexDirection="column" width={layout.width} height={layout.bodyRows + 3} overflow="hidden">
			<Header app={app} width={layout.width} />
			<Box height={layout.bodyRows} flexDirection="column" overflow="hidden">
				{body}
			</Box>
			<StatusBar width={layout.width} context={context} />
		</Box>
	);
}
