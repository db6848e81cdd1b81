/**
 * Code-completeness checks (`is_complete_request`) and the IPython-style
 * shaping of completion matches (`complete_request`).
 */
import * as ts from "@tslab/typescript-for-tslab";

/** The answer to `is_complete_request`. */
export interface IsCompleteAnswer {
  status: "complete" | "incomplete" | "invalid";
  indent?: string;
}

/** Indentation suggested for the next line of incomplete `code`. */
function nextIndent(code: string): string {
  const line = /[^\n]*$/.exec(code)![0];
  const current = /^\s*/.exec(line)![0];
  // One level deeper when the last line opens more brackets than it closes.
  const bare = line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, "");
  const opens = (bare.match(/[{([]/g) ?? []).length;
  const closes = (bare.match(/[})\]]/g) ?? []).length;
  return opens > closes ? current + "  " : current;
}

/**
 * Whether `code` is a complete cell, a cell that needs more lines
 * (unclosed bracket, block, template literal or comment; a dangling
 * operator), or invalid (a syntax error before its end).
 *
 * Method: parse with the TypeScript parser; a cell is incomplete when every
 * parse diagnostic sits at the end of the text (e.g. "'}' expected."),
 * invalid when one sits earlier. A cell ending in two blank lines counts as
 * complete, as in IPython's console.
 */
export function isComplete(code: string): IsCompleteAnswer {
  if (code.trim() === "" || /\n[ \t]*\n[ \t]*$/.test(code)) return { status: "complete" };
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diags.length === 0) return { status: "complete" };
  const end = code.trimEnd().length;
  // An unterminated string (TS1002) cannot continue on the next line: invalid.
  const atEnd = (d: ts.DiagnosticWithLocation) => d.start >= end && d.length === 0 && d.code !== 1002;
  if (diags.every(atEnd)) return { status: "incomplete", indent: nextIndent(code) };
  return { status: "invalid" };
}

/** Completion matches with the span they replace, in UTF-16 indices. */
export interface Completion {
  start: number;
  end: number;
  matches: string[];
}

/**
 * IPython-style completion: when the completed identifier follows a dotted
 * chain of identifiers (`Math.ab`, `cs.io.rea`), the matches include the
 * chain (`Math.abs`) and the span starts at the chain, as IPython's
 * completer answers (and jupyter_kernel_test expects).
 */
export function qualifyMatches(code: string, start: number, end: number, candidates: string[]): Completion {
  const before = code.slice(0, start);
  const chain = /(?:[A-Za-z_$][\w$]*\s*\.\s*)+$/.exec(before);
  if (!chain || /\.\.$/.test(before)) return { start, end, matches: candidates };
  // Only qualify plain member chains, not `foo().bar` or `a[0].b`.
  const chainStart = start - chain[0].length;
  const prevChar = chainStart > 0 ? code[chainStart - 1] : "";
  if (prevChar === "." || prevChar === ")" || prevChar === "]") return { start, end, matches: candidates };
  const prefix = chain[0].replace(/\s+/g, "");
  return { start: chainStart, end, matches: candidates.map((c) => prefix + c) };
}
