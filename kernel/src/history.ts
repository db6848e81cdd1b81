/**
 * Execution history for `history_request` (tail, range and search), as
 * IPython's HistoryManager answers them: entries are
 * `[session, line, input]` or, with `output`, `[session, line, [input, output]]`.
 *
 * History lives in memory for the kernel's lifetime; the session number is
 * the kernel's start time in seconds, so entries of different kernel runs
 * never collide. `session` values ≤ 0 in a range request mean "this
 * session" (IPython counts them back from the current one).
 */

/** One history entry. */
export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output: string | null;
}

type Row = [number, number, string | [string, string | null]];

/** A `history_request`'s content (messaging spec). */
export interface HistoryRequest {
  output?: boolean;
  raw?: boolean;
  hist_access_type?: "range" | "tail" | "search";
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

/** Translate a glob (`*`, `?`, `[...]`, as sqlite GLOB) to an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith("^")) cls = "\\^" + cls.slice(1);
        re += "[" + cls.replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp("^" + re + "$");
}

/** In-memory history of one kernel session. */
export class History {
  readonly session: number;
  private readonly entries: HistoryEntry[] = [];

  constructor(session = Math.floor(Date.now() / 1000)) {
    this.session = session;
  }

  /** Record cell `line`'s input (output filled in later with `setOutput`). */
  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
  }

  /** Set the text/plain output of cell `line`. */
  setOutput(line: number, output: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i].line === line) {
        this.entries[i].output = output;
        return;
      }
    }
  }

  private row(e: HistoryEntry, output: boolean): Row {
    return [e.session, e.line, output ? [e.input, e.output] : e.input];
  }

  /** Answer a `history_request`; unknown access types give an empty list. */
  query(req: HistoryRequest): Row[] {
    const output = !!req.output;
    switch (req.hist_access_type) {
      case "tail": {
        const n = req.n ?? 10;
        return this.entries.slice(Math.max(0, this.entries.length - n)).map((e) => this.row(e, output));
      }
      case "range": {
        const session = req.session ?? 0;
        if (session > 0 && session !== this.session) return [];
        const start = req.start ?? 0;
        const stop = req.stop ?? Number.POSITIVE_INFINITY;
        return this.entries.filter((e) => e.line >= start && e.line < stop).map((e) => this.row(e, output));
      }
      case "search": {
        const re = globToRegExp(req.pattern ?? "*");
        let hits = this.entries.filter((e) => re.test(e.input));
        if (req.unique) {
          const seen = new Set<string>();
          const kept: HistoryEntry[] = [];
          for (let i = hits.length - 1; i >= 0; i--) {
            if (seen.has(hits[i].input)) continue;
            seen.add(hits[i].input);
            kept.unshift(hits[i]);
          }
          hits = kept;
        }
        if (req.n !== undefined && req.n !== null && req.n > 0) hits = hits.slice(Math.max(0, hits.length - req.n));
        return hits.map((e) => this.row(e, output));
      }
      default:
        return [];
    }
  }
}
