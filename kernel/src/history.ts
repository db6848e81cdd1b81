/**
 * Execution history for `history_request` (tail, range and search), as
 * IPython's HistoryManager answers them: entries are
 * `[session, line, input]` or, with `output`, `[session, line, [input, output]]`.
 *
 * The session number is the kernel's start time in seconds, so entries of
 * different kernel runs never collide. Inputs are also appended to a
 * JSON-lines file (one `{session, line, input}` per line; outputs stay in
 * memory, as IPython keeps them by default), so `tail`, `range` of an
 * earlier session and `search` reach earlier kernel runs. `session` values
 * ≤ 0 in a range request mean "this session" (IPython counts them back from
 * the current one).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** How many entries of earlier sessions are loaded at start. */
const MAX_LOADED = 10000;

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

/** History of this kernel session and (from the file) earlier ones. */
export class History {
  readonly session: number;
  private readonly entries: HistoryEntry[] = [];

  private readonly file?: string;
  /** The file ends in a torn line (a crash mid-write): start on a new line. */
  private needsNewline = false;

  /**
   * @param session this kernel run's session number.
   * @param file JSON-lines file to load earlier sessions from and append to;
   *   undefined keeps history in memory only. An unreadable file is ignored
   *   (history must never stop the kernel).
   */
  constructor(session = Math.floor(Date.now() / 1000), file?: string) {
    this.session = session;
    this.file = file;
    if (file) this.load(file);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      return;
    }
    this.needsNewline = text.length > 0 && !text.endsWith("\n");
    const lines = text.split("\n");
    for (const l of lines.slice(Math.max(0, lines.length - MAX_LOADED - 1))) {
      if (!l.trim()) continue;
      try {
        const e = JSON.parse(l);
        if (typeof e.session === "number" && typeof e.line === "number" && typeof e.input === "string" && e.session !== this.session) {
          this.entries.push({ session: e.session, line: e.line, input: e.input, output: null });
        }
      } catch {
        /* a torn line from a crashed kernel: skip it */
      }
    }
  }

  /** Record cell `line`'s input (output filled in later with `setOutput`). */
  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
    if (this.file) {
      try {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        fs.appendFileSync(this.file, (this.needsNewline ? "\n" : "") + JSON.stringify({ session: this.session, line, input }) + "\n");
        this.needsNewline = false;
      } catch {
        /* read-only home: keep history in memory */
      }
    }
  }

  /** Set the text/plain output of cell `line`. */
  setOutput(line: number, output: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i].line === line && this.entries[i].session === this.session) {
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
        const session = req.session !== undefined && req.session > 0 ? req.session : this.session;
        const start = req.start ?? 0;
        const stop = req.stop ?? Number.POSITIVE_INFINITY;
        return this.entries.filter((e) => e.session === session && e.line >= start && e.line < stop).map((e) => this.row(e, output));
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
