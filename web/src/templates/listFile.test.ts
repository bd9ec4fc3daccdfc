import { describe, expect, it } from "vitest";
import { parseListFile, previewRows } from "./listFile";

describe("parseListFile", () => {
  it("reads a CSV with several columns as objects, one per line", () => {
    const f = parseListFile("products.csv", "name,color\nsock,red\nhat,\"blue, dark\"\n");
    expect(f.errors).toEqual([]);
    expect(f.columns).toEqual(["name", "color"]);
    expect(f.items).toEqual([
      { name: "sock", color: "red" },
      { name: "hat", color: "blue, dark" },
    ]);
    expect(previewRows(f, 1)).toEqual([["sock", "red"]]);
  });

  it("reads a one-column CSV as a list of strings", () => {
    const f = parseListFile("p.csv", "product\nsock\nhat\n\n");
    expect(f.items).toEqual(["sock", "hat"]);
    expect(f.errors).toEqual([]);
  });

  it("names the rows that are wrong", () => {
    const f = parseListFile("p.csv", "name,color\nsock,red\nhat\nscarf,green,extra\n");
    expect(f.items).toHaveLength(3);
    expect(f.errors.map((e) => e.row)).toEqual([2, 3]);
    expect(f.errors[0]?.message).toMatch(/Too few fields.*line 3/);
    expect(f.errors[1]?.message).toMatch(/Too many fields.*line 4/);
  });

  it("reads 500 rows", () => {
    const text = "name\n" + Array.from({ length: 500 }, (_, i) => `product ${i}`).join("\n");
    const f = parseListFile("big.csv", text);
    expect(f.items).toHaveLength(500);
    expect(f.items[499]).toBe("product 499");
  });

  it("takes a JSON array, and refuses JSON that is not one", () => {
    expect(parseListFile("p.json", '[{"name": "sock"}, "hat"]').items).toEqual([{ name: "sock" }, "hat"]);
    expect(parseListFile("p.json", '{"name": "sock"}').errors[0]?.message).toMatch(/must hold a list/);
    expect(parseListFile("p.json", "[1,").errors[0]?.message).toMatch(/not valid JSON/);
  });
});
