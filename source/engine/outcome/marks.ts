/**
 * Every mark the operator reads about a run, in one table: outcomes, phases, steps, generations,
 * log lines. Symbols that read without colour (NO_COLOR) and in CI logs; each means one thing
 * wherever it appears (`↺`: put back automatically, a host or a generation; `↩`: by an operator).
 */
export const marks = {
	ok: '✓',
	failed: '✗',
	manual: '‼',
	/** Put back automatically: a failed validation's rollback, the watchdog's revert. */
	autoRollback: '↺',
	/** Put back by an operator: a rollback run, a generation rolled back from. */
	operatorRollback: '↩',
	staged: '◐',
	declined: '◌',
	cancelled: '⊘',
	skipped: '–',
	pending: '·',
	running: '▸',
	/** No generation yet (nothing deployed), where a generation number would be. */
	noGeneration: '∅',
	/** `current` moved. */
	switched: '⇄',
	/** A warning of a build or dry run (pantherOS reads them before switching). */
	warning: '⚠',
	/** Output of a command shown under what ran it (a health check's). */
	output: '›',
} as const;
