import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CatalogueContext, catalogueOf } from "./catalogue";
import { toFlow } from "./model";
import { NodeForm } from "./NodeForm";
import { catalogue } from "./testCatalogue";
import { TemplateForm } from "./TemplateForm";

afterEach(cleanup);

const { nodes, edges } = toFlow({
  name: "t",
  inputs: { topic: { type: "string" } },
  nodes: [
    { id: "start", type: "start" },
    { id: "draft", type: "generate_text", data: { prompt: "About " } },
    { id: "check", type: "condition", data: { value: "{{steps.draft.text}}", operator: "not_empty" } },
  ],
  edges: [
    { id: "e1", source: "start", target: "draft" },
    { id: "e2", source: "draft", target: "check" },
  ],
});

function renderForm(index: number, fieldProblems: (f: string) => string[] = () => []) {
  const onChange = vi.fn();
  const onConnect = vi.fn();
  const node = nodes[index];
  if (!node) throw new Error("no node");
  render(
    <CatalogueContext.Provider value={catalogueOf(catalogue)}>
      <NodeForm
        node={node}
        nodes={nodes}
        edges={edges}
        inputNames={["topic"]}
        fieldProblems={fieldProblems}
        disabled={false}
        onChange={onChange}
        onRename={() => undefined}
        onDelete={() => {}}
        onConnect={onConnect}
        onDeleteEdge={() => {}}
      />
    </CatalogueContext.Provider>,
  );
  return { onChange, onConnect };
}

describe("NodeForm", () => {
  it("draws a labelled control for every field of the node's type, the required ones marked", () => {
    renderForm(1);
    for (const name of ["prompt", "system", "model", "temperature", "max_tokens", "schema", "label", "timeout_ms", "cache"])
      expect(screen.getByLabelText(name, { exact: true })).toBeTruthy();
    expect(screen.getByLabelText("prompt", { exact: true }).getAttribute("aria-required")).toBe("true");
    expect(screen.getByLabelText("system", { exact: true }).getAttribute("aria-required")).toBeNull();
    expect(screen.getByLabelText("temperature", { exact: true }).getAttribute("placeholder")).toBe("0.7");
    expect(screen.getByText(/sampling temperature · 0 to 2 · default 0.7/)).toBeTruthy();
  });

  it("inserts a reference picked from the menu and stores typed numbers as numbers", () => {
    const { onChange } = renderForm(1);
    const menu = screen.getByLabelText("Insert a reference into prompt");
    const offered = [...menu.querySelectorAll("option")].map((o) => o.value);
    expect(offered).toEqual(["", "{{inputs.topic}}"]);
    fireEvent.change(menu, { target: { value: "{{inputs.topic}}" } });
    expect(onChange).toHaveBeenLastCalledWith("prompt", "About {{inputs.topic}}");
    fireEvent.change(screen.getByLabelText("temperature", { exact: true }), { target: { value: "1.5" } });
    expect(onChange).toHaveBeenLastCalledWith("temperature", 1.5);
    fireEvent.change(screen.getByLabelText("temperature", { exact: true }), { target: { value: "5" } });
    expect(screen.getByText("temperature must be 0 to 2")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("temperature", { exact: true }), { target: { value: "" } });
    expect(onChange).toHaveBeenLastCalledWith("temperature", undefined);
  });

  it("shows the server's message next to the field it names", () => {
    renderForm(1, (f) => (f === "prompt" ? ["reference {{steps.zz.text}} names an unknown node 'zz'"] : []));
    expect(screen.getByText("reference {{steps.zz.text}} names an unknown node 'zz'")).toBeTruthy();
    expect(screen.getByLabelText("prompt", { exact: true }).getAttribute("aria-invalid")).toBe("true");
  });

  it("offers a condition's operators and branches, and connects by keyboard", () => {
    const { onChange, onConnect } = renderForm(2);
    const operator = screen.getByLabelText("operator", { exact: true });
    expect([...operator.querySelectorAll("option")].map((o) => o.value)).toContain("gte");
    fireEvent.change(operator, { target: { value: "gte" } });
    expect(onChange).toHaveBeenLastCalledWith("operator", "gte");
    const refs = [...screen.getByLabelText("Insert a reference into value").querySelectorAll("option")].map((o) => o.value);
    expect(refs).toContain("{{steps.draft.text}}");
    expect(refs).not.toContain("{{steps.check.result}}");
    fireEvent.change(screen.getByLabelText("Branch"), { target: { value: "false" } });
    fireEvent.change(screen.getByLabelText("Connect check to"), { target: { value: "draft" } });
    fireEvent.click(screen.getByRole("button", { name: "Add edge" }));
    expect(onConnect).toHaveBeenCalledWith("draft", "false");
  });
});

describe("TemplateForm", () => {
  it("edits typed inputs and flags a default that is not of the type", () => {
    const onChange = vi.fn();
    const meta = { name: "t", description: "", category: "", inputs: [{ key: "in0", name: "words", type: "integer" as const, required: false, defaultText: "many", description: "" }] };
    render(<TemplateForm meta={meta} onChange={onChange} templateProblems={new Map()} inputProblems={new Map([["words", ["default must be an integer"]]])} disabled={false} />);
    expect(screen.getByText("words default must be a whole number")).toBeTruthy();
    expect(screen.getByText("default must be an integer")).toBeTruthy();
    fireEvent.click(screen.getByLabelText("required"));
    expect(onChange.mock.calls[0]?.[0].inputs[0].required).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Add input" }));
    expect(onChange.mock.calls[1]?.[0].inputs.map((r: { name: string }) => r.name)).toEqual(["words", "input_1"]);
  });

  it("flags a second input of the same name", () => {
    const row = { key: "in0", name: "topic", type: "string" as const, required: false, defaultText: "", description: "" };
    const meta = { name: "t", description: "", category: "", inputs: [row, { ...row, key: "in1" }] };
    render(<TemplateForm meta={meta} onChange={() => {}} templateProblems={new Map()} inputProblems={new Map()} disabled={false} />);
    expect(screen.getAllByText("another input is named topic; only one of them is kept").length).toBe(1);
  });
});
