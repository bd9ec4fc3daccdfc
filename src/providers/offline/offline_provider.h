// OfflineProvider: a deterministic Provider that needs no network, for tests, demos and the
// default configuration. The same request always gives the same text and the same PNG bytes.
//
// Test knobs, read from req.call.knobs (a JSON object; absent keys count as 0):
//   latency_ms  sleep this long before answering (interrupted by the cancel token);
//   fail_first  fail attempts 1..N (req.call.attempt) with Unavailable, after the latency.
//
// Stateless; every method may be called concurrently from any thread. Calls block for
// latency_ms and the CPU time of generating (a 512x512 image takes a few milliseconds).
#pragma once

#include <string>

#include "atelier/engine/provider.h"

namespace atelier {

class OfflineProvider final : public Provider {
 public:
  std::string name() const override { return "offline"; }

  // Markdown: "# <Title from the last user message>" and 2-4 paragraphs mixing stock words with
  // the prompt's keywords; a follow-up user turn revises the previous assistant reply instead.
  // Cut at a word boundary to about max_tokens * 4 characters (max_tokens <= 0: no limit).
  // InvalidArgument for malformed knobs; Unavailable when fail_first says so; Cancelled.
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override;

  // `count` PNGs (image/png, 8-bit RGB). Images in one call differ; req.seed, when set, replaces
  // the prompt hash as the seed. InvalidArgument when width or height is outside 16..2048 or
  // count outside 1..8, or for malformed knobs; Unavailable when fail_first says so; Cancelled.
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override;
};

}  // namespace atelier
