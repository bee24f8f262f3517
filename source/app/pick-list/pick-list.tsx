import { Text } from 'ink';
import SelectInput from 'ink-select-input';
import { truncate } from '../text-fit.js';
import { symbols, tone } from '../theme.js';
import { pickWindow } from './pick-list-state.js';

export interface PickItem {
	readonly key: string;
	readonly label: string;
	/** Shown dimmed (a generation that never went live, a removed file). */
	readonly muted?: boolean;
	/** Shown bold (the current generation). */
	readonly strong?: boolean;
}

export interface PickListProps {
	readonly items: readonly PickItem[];
	/** The highlighted item. */
	readonly index: number;
	/** Rows the list may take; it scrolls to keep the highlight in view. */
	readonly rows: number;
	readonly width: number;
}

/** Width of the highlight mark before every label; labels start with a mark column of their own (or a space). */
export const pickIndent = 1;

/**
 * The console's pick lists (phases, staged hosts, changed files, generations), drawn by
 * ink-select-input and themed like the rest. Its own key handling is off: keys come through the
 * console's queue and keymap like everywhere else (typeahead, `?`, `q`), and the highlight is
 * the caller's state, handed in as the list's starting index.
 */
export function PickList({ items, index, rows, width }: PickListProps) {
	const window = pickWindow(items.length, index, rows);
	const shown = items.slice(window.first, window.first + window.rows).map((item) => ({ key: item.key, value: item, label: truncate(item.label, Math.max(1, width - pickIndent)) }));
	return (
		<SelectInput
			// Remounted when the highlight moves (the list takes it as its initial index) or a label
			// changes (ink-select-input puts its highlight back on the first item when its items change).
			key={`${window.first}:${index}:${shown.map((item) => item.label).join('\n')}`}
			items={shown}
			initialIndex={Math.max(0, index - window.first)}
			isFocused={false}
			indicatorComponent={Indicator}
			itemComponent={Item}
		/>
	);
}

function Indicator({ isSelected = false }: { readonly isSelected?: boolean }) {
	return (
		<Text color={tone('accent')} bold>
			{isSelected ? symbols.focus : ' '}
		</Text>
	);
}

/** ink-select-input hands each item's fields to this component, `value` (the PickItem) included. */
function Item({ isSelected = false, label, value }: { readonly isSelected?: boolean; readonly label: string; readonly value?: PickItem }) {
	return (
		<Text wrap="truncate" color={isSelected ? tone('accent') : undefined} bold={isSelected || value?.strong === true} dimColor={!isSelected && value?.muted === true}>
			{label}
		</Text>
	);
}
