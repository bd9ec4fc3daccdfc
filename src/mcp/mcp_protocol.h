// Private to the MCP module: the protocol (JSON-RPC 2.0 messages: initialize, ping, tools/list,
// tools/call) apart from the transports that carry it, stdio (mcp_server.cc) and HTTP
// (mcp_http.cc).
#pragma once

#include <functional>
#include <string>

#include "mcp_tools.h"

namespace atelier::mcp {

// Sends one message to the client.
using SendFn = std::function<void(const Json&)>;

// What a caller may do: everything, or only follow and read (no run_ tools, no decisions).
enum class Access { kAll, kReadOnly };

// What one incoming message asks for.
struct Incoming {
  enum class Kind {
    kNothing,  // a notification, or a client's answer: nothing to send back
    kAnswer,   // `answer` is the whole reply (initialize, ping, tools/list, or an error)
    kCall,     // tools/call with `id` and `params`: RunCall it where a long wait does no harm
  };
  Kind kind = Kind::kNothing;
  Json answer;
  Json id;
  Json params;
};

// Reads one message, as text (a parse error is answered) or already parsed.
Incoming Receive(Tools& tools, const std::string& text, Access access);
Incoming Receive(Tools& tools, const Json& message, Access access);

// Runs a tools/call: its progress notifications (when params._meta carries a progressToken) and
// then its answer go through `send`. `alive` as for Tools::Call.
void RunCall(Tools& tools, const Json& id, const Json& params, Access access, const SendFn& send,
             const AliveFn& alive = nullptr);

// JSON-RPC 2.0 error codes used by the transports too.
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kServerBusy = -32000;  // implementation-defined: too many calls in flight
Json RpcError(const Json& id, int code, const std::string& message);

}  // namespace atelier::mcp
