// The notification receiver of the campaigns: records every POST by its X-Atelier-Delivery and
// checks its signature; answers 503 to the first attempt of about one delivery in five, so
// retries happen while processes are being killed.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";

// The events the campaigns' endpoint asks to be told about.
export const NOTIFIED = ["execution_completed", "execution_failed", "approval_requested"];

// Starts listening on 127.0.0.1 (a free port); `problems` collects what is wrong.
export function startReceiver(rand, problems) {
  const receiver = { http: null, port: 0, secret: "", got: new Map(), posts: 0 };
  return new Promise((resolveStart) => {
    receiver.http = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const id = req.headers["x-atelier-delivery"] ?? "";
        const ts = req.headers["x-atelier-timestamp"] ?? "";
        const want = "sha256=" + createHmac("sha256", receiver.secret).update(`${ts}.${body}`).digest("hex");
        if (req.headers["x-atelier-signature"] !== want) problems.push(`delivery ${id}: the signature does not match`);
        receiver.posts++;
        const seen = receiver.got.get(id);
        if (seen) {
          seen.count++;
          if (seen.body !== body) problems.push(`delivery ${id}: a later attempt sent another body`);
        } else {
          receiver.got.set(id, { body, count: 1 });
        }
        res.statusCode = !seen && rand() < 0.2 ? 503 : 200;
        res.end();
      });
    });
    receiver.http.listen(0, "127.0.0.1", () => {
      receiver.port = receiver.http.address().port;
      resolveStart(receiver);
    });
  });
}
