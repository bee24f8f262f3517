import { phases, type Phase } from '../../engine/events.js';
import { presets, resolvePhases } from '../../engine/plan.js';
import type { Plan } from '../../store/ui-slice.js';
import type { Skips } from '../../engine/activation.js';

export interface PhaseOption {
	readonly key: string;
	readonly label: string;
	readonly value: Plan;
}

const presetNotes: Record<keyof typeof presets, string> = {
	full: 'build, stage, confirm, switch, validate',
	'dry-run': 'build + preflight: nothing changes on hosts',
	'build-only': 'only the local build',
	quick: 'skip the build, reuse the artifact',
};

/** The presets first, then each phase on its own (the engine adds what a phase cannot run without). */
export function phaseOptions(): PhaseOption[] {
	const fromPresets = (Object.keys(presets) as (keyof typeof presets)[]).map((name) => ({
		key: name,
		label: `${name.padEnd(14)} ${presets[name].join(' → ')}  (${presetNotes[name]})`,
		value: { name, phases: presets[name] as readonly Phase[] },
	}));
	const single = phases.map((phase) => ({
		key: `only-${phase}`,
		label: `${`only ${phase}`.padEnd(14)} runs ${resolvePhases([phase]).join(' → ')}`,
		value: { name: `only ${phase}`, phases: [phase] },
	}));
	return [...fromPresets, ...single];
}

/** "skip frontend, services": the activation steps deploys leave out (--skip-*), none said when none. */
export function describeSkips(skips: Skips): string {
	const skipped = (['frontend', 'backend', 'services'] as const).filter((step) => skips[step]);
	return skipped.length === 0 ? '' : `skip ${skipped.join(', ')}`;
}

/** "full: build → preflight → …" for the header. */
export function describePlan(plan: Plan): string {
	return `${plan.name}: ${plan.phases.join('→')}`;
}
