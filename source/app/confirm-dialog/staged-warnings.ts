import type { StagedHost } from '../../engine/events.js';
import { warningMark } from '../../engine/outcome/words.js';

/**
 * A staged host's build and dry-run warnings on its line of the switch question, as pantherOS
 * checks them before switching: how many, and the first (the line is cut at the dialog's width).
 */
export function stagedWarnings(staged: StagedHost): string {
	const warnings = staged.warnings ?? [];
	if (warnings.length === 0) return '';
	return `   ${warningMark} ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings[0]}`;
}
