// Builds the UI into dist/, which the C++ build embeds into the atelier binary. `npm run dev`
// serves it with hot reload and proxies the API to an `atelier serve` on ATELIER_URL.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const api = process.env.ATELIER_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": { target: api, changeOrigin: false } },
  },
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
