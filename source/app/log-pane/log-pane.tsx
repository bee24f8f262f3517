import { Box, Text } from 'ink';
import { useRef } from 'react';
import { useConsoleServices, useConsoleState } from '../console-context.js';
import { padEnd, truncate } from '../text-fit.js';
import { symbols, tone } from '../theme.js';
import { useLogPane } from './use-log-pane.js';
import { MatchIndex, matchCounter, partsWithin, splitMatches, useLogPaneState, visibleLines, wrappedRows, type WrappedRow } from './use-log-pane-state.js';

export interface LogPaneProps {
	/** A host name, or null for every host interleaved with name prefixes. */
	readonly host: string | null;
	/** The key target this pane answers while it has the keys (see key-context.ts); null: it doesn't. */
	readonly keyTarget: string | null;
	/** Rows including the title line. */
	readonly height: number;
	readonly width: number;
	/** Long lines wrap onto the rows below (the full-screen log) instead of being cut at the width. */
	readonly wrap?: boolean;
}

/**
 * A window on a ring buffer. Re-renders when the host's line count moves (≤ one publish per
 * interval), and reads only the rows it draws. A search highlights each occurrence and counts
 * the matches ("3/7"); n and N walk them.
 */
export function LogPane({ host, keyTarget, height, width, wrap = false }: LogPaneProps) {
	const { store } = useConsoleServices();
	const { total, tailing, names } = useConsoleState((state) => ({
		total: host === null ? state.allLogTotal : (state.hosts[host]?.logTotal ?? 0),
		tailing: host === null ? false : (state.hosts[host]?.tailing ?? false),
		names: host === null ? state.order : null,
	}));
	const buffer = () => (host === null ? store.getState().allLogs() : store.getState().logOf(host));
	const rows = Math.max(0, height - 1);
	const [state, dispatch, current] = useLogPaneState();
	const index = useRef(new MatchIndex()).current;
	useLogPane(keyTarget, buffer, rows, current, dispatch, index);
	const active = keyTarget !== null;
	const prefixWidth = names ? Math.min(16, Math.max(5, ...names.map((name) => name.length))) : 0;
	// Marker column, host prefix and its bar come before the text.
	const textWidth = Math.max(1, width - 1 - (prefixWidth > 0 ? prefixWidth + 1 : 0));
	const shown: WrappedRow[] = wrap ? wrappedRows(buffer(), state, rows, textWidth) : visibleLines(buffer(), state, rows).map(({ number, line }) => ({ number, line, at: 0, text: line.text }));
	const position = state.bottom === null ? 'following' : `line ${state.bottom + 1}/${total} · G follows`;
	const matches = state.term ? index.matches(buffer(), state.term) : [];
	const search = state.searchDraft !== null ? `search: ${state.searchDraft}▏ (enter find · esc cancel)` : state.term ? `"${state.term}" ${matchCounter(matches, state.match)} · n older · N newer` : '';
	const title = [`${active ? symbols.focus : ' '} ${host ?? 'all hosts'} log`, tailing ? `${symbols.service} service logs` : '', position, search].filter(Boolean).join(' │ ');
	return (
		<Box flexDirection="column" height={height} width={width} overflowY="hidden">
			<Text bold={active} color={active ? tone('accent') : undefined} wrap="truncate">
				{truncate(`${title} ${'─'.repeat(width)}`, width)}
			</Text>
			{shown.map((row) => (
				<LogRow key={`${row.number}:${row.at}`} row={row} width={textWidth} term={state.term} current={row.number === state.match} prefixWidth={prefixWidth} />
			))}
		</Box>
	);
}

/** One row: a whole line cut at the width, or one piece of a wrapped line (its marker and host only on its first row). */
function LogRow({ row, width, term, current, prefixWidth }: { readonly row: WrappedRow; readonly width: number; readonly term: string; readonly current: boolean; readonly prefixWidth: number }) {
	const { line, at } = row;
	const first = at === 0;
	const marker = !first ? ' ' : current ? symbols.match : line.stream === 'stderr' ? symbols.stderr : line.stream === 'service' ? symbols.service : ' ';
	const prefix = prefixWidth > 0 ? `${padEnd(first ? (line.host ?? 'build') : '', prefixWidth)}│` : '';
	const color = line.stream === 'stderr' ? tone('warn') : line.stream === 'info' ? tone('accent') : line.stream === 'service' ? tone('service') : undefined;
	const flat = line.text.replace(/[\t\r\n]/g, ' ');
	const length = [...row.text].length;
	const parts = length < [...flat].length || at > 0 ? partsWithin(splitMatches(flat, term), at, at + length) : splitMatches(truncate(row.text, width), term);
	return (
		<Text wrap="truncate" color={color} dimColor={line.stream === 'info' && !current}>
			<Text color={current ? tone('accent') : undefined} bold={current}>
				{marker}
			</Text>
			{prefix}
			{parts.map((part, index) =>
				part.match ? (
					<Text key={index} inverse bold={current}>
						{part.text}
					</Text>
				) : (
					part.text
				),
			)}
		</Text>
	);
}
