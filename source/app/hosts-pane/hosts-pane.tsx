import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { useConsoleState } from '../console-context.js';
import type { ConsoleLayout } from '../console-layout.js';
import { HostGrid } from '../host-grid/host-grid.js';
import { gridWindowFrom } from '../host-grid/use-host-grid-state.js';
import { HostTable } from '../host-table/host-table.js';
import { tableColumns, tableLines, tableWindow } from '../host-table/use-host-table-state.js';
import { useHostsScroll, useScrolledTo } from './hosts-scroll.js';
import { useHostsKeys } from './use-hosts-keys.js';

/** The hosts as tiles or as the table (the layout decides), in display order, with their keys; scrolled so the focused host is on screen. */
export function HostsPane({ layout }: { readonly layout: ConsoleLayout }) {
	const { ordered, group, longestName, longestTags, hosts, focus } = useConsoleState((state) => ({
		ordered: state.ordered(),
		group: state.group,
		longestName: state.longestName,
		longestTags: state.longestTags,
		// Group headings need the tags; hosts are read only then, so an ungrouped pane doesn't re-render per batch.
		hosts: state.group > 0 ? state.hosts : null,
		focus: state.focus,
	}));
	const table = layout.hostsView === 'table';
	const lines = useMemo(() => (table ? tableLines(ordered, hosts ?? {}, group) : []), [table, ordered, hosts, group]);
	// Rows compare their columns by identity: a new object per focus move would redraw every row.
	const columns = useMemo(() => tableColumns(layout.width, longestName, longestTags), [layout.width, longestName, longestTags]);
	const scroll = useHostsScroll();
	// A page: the table's rows between its heading and its "more" line, or the tile rows on screen.
	const pageRows = table ? Math.max(1, layout.hostsHeight - 2) : Math.max(1, layout.gridRows);
	useHostsKeys({ view: layout.hostsView, columns: table ? 1 : layout.tileColumns, pageRows, logPane: layout.logRows > 0 }, scroll);
	// What is on screen: from where the scroll is, as far as the focus needs; nothing while no host matches.
	const rows = ordered.length > 0 && table ? tableWindow(lines, focus, Math.max(0, scroll.top), Math.max(1, layout.hostsHeight - 1)) : undefined;
	const tiles = ordered.length > 0 && !table ? gridWindowFrom(ordered, focus, layout.tileColumns, layout.gridRows, scroll.top) : undefined;
	useScrolledTo(scroll, (rows ?? tiles)?.top);
	if (rows) return <HostTable window={rows} columns={columns} width={layout.width} height={layout.hostsHeight} />;
	if (tiles) return <HostGrid layout={layout} ordered={ordered} window={tiles} />;
	return (
		<Box height={layout.hostsHeight}>
			<Text>no host matches the filter (esc clears it)</Text>
		</Box>
	);
}
