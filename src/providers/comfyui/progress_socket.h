// ProgressSocket: ComfyUI's websocket (GET /ws?clientId=ID), read for the sampling progress of
// one provider call and reported to its ProgressSink. Private to the ComfyUI provider.
//
// ComfyUI reports progress only there, as JSON text frames ({"type": "progress", "data":
// {"value": 3, "max": 20, "prompt_id": "...", "node": "3"}}, "executing", "status", ...) and
// binary preview images. The socket is best effort: when it cannot connect (a server without
// /ws, a proxy that refuses the upgrade, an https base URL: TLS is not supported here), drops or
// sends garbage, the call goes on polling the history exactly as without it, and no error is
// returned. Binary frames are skipped as they arrive; a text frame over kMaxTextFrame bytes is
// skipped too, without being held in memory.
//
// Threading: one call's object, used only by the thread running that call. It owns its own Asio
// io_context and runs it only inside Connect, Wait and Drain, so the sink is called from the
// calling thread, as ProgressSink requires; no background thread is started.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "atelier/engine/cancel.h"
#include "atelier/engine/provider.h"

namespace atelier {

class ProgressSocket {
 public:
  static constexpr size_t kMaxTextFrame = size_t{1} << 20;

  // Where to connect: base_url's host, port and path prefix ("http://h:8188/comfy" ->
  // ws://h:8188/comfy/ws?clientId=ID), with `client_id` as it goes in the query (URL-encoded).
  // `authorization`, when not empty, is sent as the Authorization header of the upgrade request.
  // `sink` is borrowed and must outlive the object. Does not connect yet.
  ProgressSocket(std::string base_url, std::string client_id, std::string authorization,
                 ProgressSink* sink);
  ~ProgressSocket();  // closes the connection at once (no closing handshake to wait for)
  ProgressSocket(const ProgressSocket&) = delete;
  ProgressSocket& operator=(const ProgressSocket&) = delete;

  // Opens the websocket, blocking up to timeout_ms or until `cancel` fires. Returns whether it is
  // open; when not, Wait only sleeps and nothing is reported.
  bool Connect(int64_t timeout_ms, CancelToken& cancel);
  bool connected() const;

  // The prompt whose progress counts from now on (frames without a prompt_id, from older
  // ComfyUI versions, count as well), as run `run` (0-based) of `runs` workflow runs: run r's
  // step v of m is reported as r*m + v of runs*m, so several images make one rising count.
  void Expect(const std::string& prompt_id, int run, int runs);

  // Reads frames and reports progress for up to `ms`. Returns false at once when `cancel` fires
  // (as CancelToken::SleepFor), true when the time is up, or earlier (once per Expect) when
  // ComfyUI says the expected prompt finished, so that its history can be read without waiting
  // for the next poll.
  bool Wait(int64_t ms, CancelToken& cancel);
  // Reports the frames already received. When the expected prompt reported steps but its end
  // ("executing" with no node) has not arrived, waits up to 100 ms for it: ComfyUI records the
  // history before its last frames leave, and they would otherwise be lost.
  void Drain();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier
