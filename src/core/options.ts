/**
 * Option names renamed in 0.2 so that one concept has one name across
 * capabilities (docs/conventions.md). For one release the old name is still
 * accepted: it is copied to the new name and a DeprecationWarning names the
 * replacement (once per process and name, Node's warning mechanism); giving
 * both names is an error.
 */

const warned = new Set<string>();

/**
 * `options` with each old name of `renamed` (old → new) moved to its new
 * name. `where` (e.g. "findAtoms") prefixes the messages.
 *
 * @example renameOptions({ threshold: 0.2 }, { threshold: "thresholdRel" }, "findAtoms") // { thresholdRel: 0.2 }, warns once
 */
export function renameOptions<T extends object>(options: T, renamed: Readonly<Record<string, string>>, where: string): T {
  const given = options as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const [old, now] of Object.entries(renamed)) {
    if (!Object.prototype.hasOwnProperty.call(given, old) || given[old] === undefined) continue;
    if (given[now] !== undefined) throw new TypeError(`${where}: options.${old} and options.${now} are the same option (renamed to ${now} in 0.2); give only ${now}`);
    const copy: Record<string, unknown> = out ?? { ...given };
    copy[now] = copy[old];
    delete copy[old];
    out = copy;
    const key = `${where}.${old}`;
    if (!warned.has(key)) {
      warned.add(key);
      process.emitWarning(`${where}: options.${old} is deprecated since 0.2 and will be removed; use options.${now} (docs/conventions.md)`, { type: "DeprecationWarning", code: "CAUSALSCOPE_RENAMED_OPTION" });
    }
  }
  return (out ?? options) as T;
}

/**
 * `value` when it is one of `accepted` (or undefined: the caller's default
 * applies); otherwise a TypeError naming the function, the option, the value
 * and the accepted values. Matching is exact (case-sensitive): "LoG" is not
 * "log".
 *
 * @example checkChoice("findAtoms", "filter", "LoG", ["gaussian", "log"]) // throws: findAtoms: options.filter must be one of "gaussian", "log"; got "LoG"
 */
export function checkChoice<T extends string | number | boolean>(where: string, option: string, value: unknown, accepted: readonly T[]): T | undefined {
  if (value === undefined || (accepted as readonly unknown[]).includes(value)) return value as T | undefined;
  const list = accepted.map((a) => JSON.stringify(a)).join(", ");
  throw new TypeError(`${where}: options.${option} must be one of ${list}; got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
}
