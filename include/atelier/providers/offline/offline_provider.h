// OfflineProvider: a deterministic Provider that needs no network, for tests, demos and the
// default configuration. The same request always gives the same text and the same PNG bytes.
//
// Test knobs, read from req.call.knobs (a JSON object; absent keys count as 0):
//   latency_ms  sleep this long before answering (interrupted by the cancel token);
//   fail_first  fail attempts 1..N (req.call.attempt) with Unavailable, after the latency.
//   stream_chunk_ms  with a progress sink (req.call.progress): pause this long before each
//               piece reported (the text in 8 pieces, 4 sampling steps per image), so that live
//               progress can be watched with no key. The answer is the same with or without.
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
  // With a json_schema, compact JSON that follows it instead (see json_synth.h; never cut), its
  // values derived from the last user message alone, so the same draft gets the same review.
  // `session` is "offline:" + a hex hash of the whole conversation, reply included; req.session
  // is accepted but not needed, since the messages carry the conversation.
  // InvalidArgument for malformed knobs or a schema that cannot be honoured (naming the path);
  // Unavailable when fail_first says so; Cancelled.
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override;

  // `count` PNGs (image/png, 8-bit RGB). Images in one call differ; req.seed, when set, replaces
  // the prompt hash as the seed. With references, their bytes also pick the palette (same layout,
  // other colours) and the caption starts with "REF:". An aspect_ratio such as "16:9" sets the
  // size (longer side 512) when width and height are left at 512x512. `session` is "offline:" +
  // a hex hash of the prompt, for a later EditImage. InvalidArgument when width or height is
  // outside 16..2048, count outside 1..8, for a malformed aspect_ratio (or one whose shorter
  // side would be under 16) or malformed knobs; Unavailable when fail_first says so; Cancelled.
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override;

  // `count` refinements of req.image, of its size, deterministic from its bytes and the
  // instruction: the same scene zoomed, re-toned, tinted or with a shape added (see RenderEdit
  // in image_synth.h), captioned with the instruction. An image this provider cannot decode
  // (not an 8-bit RGB PNG of 16..2048 pixels a side) gives what GenerateImage gives for the prompt
  // "EDIT: <instruction>" at req.width x req.height. `session` is "offline:" + a hex hash of
  // (req.session, instruction). Errors as GenerateImage (sizes are checked only when falling back).
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) override;
};

}  // namespace atelier
