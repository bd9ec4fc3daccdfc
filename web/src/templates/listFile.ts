// A list input filled from a file: a CSV (a header line, then one item per line) or a JSON array.
// A CSV with one column gives a list of strings, with several a list of objects keyed by the
// header (values stay text, as written). Problems are reported by row so the file can be fixed.
import Papa from "papaparse";

export interface RowError {
  // 1-based item number (a CSV's header is not counted)
  row: number;
  message: string;
}

export interface ListFile {
  name: string;
  items: unknown[];
  // The CSV header, or the keys of the JSON items when they are objects.
  columns: string[];
  errors: RowError[];
}

export function parseListFile(name: string, text: string): ListFile {
  const isJson = /\.json$/i.test(name) || /^\s*[[{]/.test(text);
  return isJson ? parseJson(name, text) : parseCsv(name, text);
}

function parseJson(name: string, text: string): ListFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { name, items: [], columns: [], errors: [{ row: 0, message: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  if (!Array.isArray(value)) {
    return { name, items: [], columns: [], errors: [{ row: 0, message: "the JSON file must hold a list ([...])" }] };
  }
  const columns = new Set<string>();
  const errors: RowError[] = [];
  value.forEach((item: unknown, i) => {
    if (item === null) errors.push({ row: i + 1, message: "is empty (null)" });
    else if (typeof item === "object" && !Array.isArray(item)) for (const k of Object.keys(item)) columns.add(k);
  });
  return { name, items: value, columns: [...columns], errors };
}

function parseCsv(name: string, text: string): ListFile {
  const result = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ""), {
    header: true,
    skipEmptyLines: "greedy",
    transformHeader: (h) => h.trim(),
  });
  const columns = (result.meta.fields ?? []).filter((f) => f !== "");
  // One column has no delimiter to find; that is not a problem of the file.
  const problems = result.errors.filter((e) => e.code !== "UndetectableDelimiter");
  const errors: RowError[] = problems.map((e) => ({
    row: (e.row ?? -1) + 1,
    message: e.row === undefined ? e.message : `${e.message} (line ${e.row + 2})`,
  }));
  if (columns.length === 0) errors.unshift({ row: 0, message: "the CSV file needs a header line naming its columns" });
  const only = columns.length === 1 ? columns[0] : undefined;
  const items = result.data.map((r, i) => {
    if (only !== undefined) return r[only] ?? "";
    const item: Record<string, string> = {};
    for (const c of columns) item[c] = r[c] ?? "";
    if (columns.every((c) => (r[c] ?? "").trim() === "")) errors.push({ row: i + 1, message: "has no values" });
    return item;
  });
  if (only !== undefined) items.forEach((v, i) => v === "" && errors.push({ row: i + 1, message: "is empty" }));
  errors.sort((a, b) => a.row - b.row);
  return { name, items, columns, errors };
}

// The first `n` items as table rows under `columns` (a list of strings shows as one column).
export function previewRows(file: ListFile, n = 5): string[][] {
  return file.items.slice(0, n).map((item) => {
    if (file.columns.length === 0 || typeof item !== "object" || item === null || Array.isArray(item)) {
      return [typeof item === "string" ? item : JSON.stringify(item)];
    }
    const entries = new Map(Object.entries(item));
    return file.columns.map((c) => {
      const v = entries.get(c);
      return v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
    });
  });
}
