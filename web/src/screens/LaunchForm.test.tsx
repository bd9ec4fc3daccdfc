// The launch form in jsdom, with the API answered by fakes: a list filled from a CSV file is
// previewed, a broken file is refused by row, and Launch sends the file's items once and goes to
// the execution.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const template = {
  id: "tpl_batch",
  version: 3,
  name: "Product batch",
  description: "",
  category: "catalog",
  builtin: false,
  content_hash: "x",
  created_at: "2026-12-04T10:00:00.000Z",
  definition: {
    name: "Product batch",
    nodes: [],
    inputs: { products: { type: "list", required: true }, tone: { type: "string", default: "warm" } },
  },
};

const estimate = {
  template: { id: "tpl_batch", version: 3, name: "Product batch" },
  steps: [{ id: "lines", type: "generate_text", provider: "openai", model: "gpt-4o-mini", calls: 500, input_tokens: 20000, output_tokens: 200000, images: 0, cost: 0.123, note: "500 items" }],
  total: { calls: 500, input_tokens: 20000, output_tokens: 200000, images: 0, cost: 0.123 },
  assumptions: [],
  credits: { unit: "micro-credits", needed: 123000, balance: 100000, covered: false, charged: true },
};
const calls: { path: string; init: unknown }[] = [];
vi.mock("../api/client", () => ({
  describeError: (e: { error?: { message?: string } } | undefined) => e?.error?.message ?? "failed",
  api: {
    GET: vi.fn(async (path: string) => (path === "/api/v1/templates/{id}" ? { data: template } : { data: undefined })),
    POST: vi.fn(async (path: string, init: unknown) => {
      if (path === "/api/v1/executions/estimate") return { data: estimate };
      calls.push({ path, init });
      return { data: { id: "ex_new" } };
    }),
  },
}));

const { LaunchForm } = await import("./LaunchForm");

function csvFile(text: string, name = "products.csv") {
  return new File([text], name, { type: "text/csv" });
}

beforeEach(() => {
  calls.length = 0;
  window.history.pushState(null, "", "/templates/tpl_batch/launch");
});
afterEach(cleanup);

describe("LaunchForm", () => {
  it("previews a CSV list, refuses a broken one by row, and launches the items once", async () => {
    render(<LaunchForm templateId="tpl_batch" role="editor" />);
    const input = await screen.findByLabelText("Fill products from a CSV or JSON file");
    await act(async () => {
      fireEvent.change(input, { target: { files: [csvFile("name,color\nsock,red\nhat\n", "broken.csv")] } });
    });
    expect(await screen.findByText(/Row 2: Too few fields/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    expect(await screen.findByText(/1 row has a problem in broken.csv/)).toBeTruthy();
    expect(calls).toHaveLength(0);

    fireEvent.click(screen.getByRole("button", { name: "Clear" }));
    const again = await screen.findByLabelText("Fill products from a CSV or JSON file");
    const rows = Array.from({ length: 500 }, (_, i) => `p${i},red`).join("\n");
    await act(async () => {
      fireEvent.change(again, { target: { files: [csvFile(`name,color\n${rows}\n`)] } });
    });
    expect((await screen.findByTestId("list-count")).textContent).toBe("500 items");
    // The estimate of these 500 items, and that the balance falls short.
    expect((await screen.findByTestId("estimate-total")).textContent).toBe("0.123 cr");
    expect((await screen.findByTestId("estimate-credits")).textContent).toMatch(/does not cover it: 0.123 cr needed/);
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(window.location.pathname).toBe("/executions/ex_new"));
    expect(calls).toHaveLength(1);
    const products = Array.from({ length: 500 }, (_, i) => ({ name: `p${i}`, color: "red" }));
    expect(calls[0]?.init).toMatchObject({ body: { template_id: "tpl_batch", version: 3, inputs: { products } } });
  });

  it("disables Launch for a viewer, with the reason", async () => {
    render(<LaunchForm templateId="tpl_batch" role="viewer" />);
    const button = await screen.findByRole("button", { name: "Launch" });
    expect(button.hasAttribute("disabled")).toBe(true);
    expect(button.getAttribute("title")).toMatch(/viewer role/);
  });
});
