/**
 * pantherOS checks a build and its dry-activate for warnings before it switches. A warning is a
 * line as Nix and its tools print one: `warning: …`, `evaluation warning: …`, `trace: warning: …`.
 */
const warningLine = /^\s*(?:trace:\s+|evaluation\s+)?warning:\s/i;

export const isWarning = (line: string): boolean => warningLine.test(line);

/** At most this many are shown per host: a build that warns on every file must not fill a dialog. */
export const warningsShown = 20;
