// The `review` and `refine` node types: a model judges content against criteria (review), and a
// generate-review loop continues the same session with the reviewer's feedback until the score
// reaches a threshold (refine).
//
// review: renders content (text, or an image object {sha256, mime, ...} whose bytes are read from
// ctx.blobs and attached to the request), criteria (a string or a list of strings), system, model
// ("default") and pass_score (70); asks the model (with fallback across the alias's routes) for
// {"score": 0..100, "feedback": TEXT} as structured output, validates the answer against that
// schema and returns {score, feedback, passed, model, provider}.
//
// refine: kind "text" or "image". Generates, reviews as above (review_model), and while the
// score is under threshold and fewer than max_attempts generations were made, continues the same
// session with "Revise it. A reviewer scored it S/100 and said: FEEDBACK" (text) or edits the
// previous image with the feedback (image). Only the final result is written as artifacts.
// Returns {text | images + image, score, feedback, passed, attempts: [{attempt, score,
// feedback}], model, provider}; passed=false after max_attempts is a result, not an error. The
// session matches generate_text's / generate_image's, so a later tweak continues it; a pending
// tweak continues the stored session with its instruction as the first revision request.
//
// Errors: InvalidArgument for fields that do not render or make sense; the provider's error (so
// the engine retries the step) when a call fails; Unavailable when a reviewer's answer is not
// JSON or does not follow the schema ("review: the model's answer is not valid: ..."); Cancelled
// when ctx.cancel fires between calls; FailedPrecondition when an image to review or refine is
// missing from the blob store.
//
// Stateless and thread-safe: Execute may run concurrently; it blocks on provider calls.
#pragma once

#include "atelier/engine/node_executor.h"

namespace atelier {

class ReviewNode final : public NodeExecutor {
 public:
  bool inline_ok() const override { return false; }
  Result<NodeResult> Execute(const NodeContext& ctx) override;
};

class RefineNode final : public NodeExecutor {
 public:
  bool inline_ok() const override { return false; }
  Result<NodeResult> Execute(const NodeContext& ctx) override;
};

// Registers ReviewNode under "review" and RefineNode under "refine".
void RegisterReviewNodes(NodeRegistry* registry);

}  // namespace atelier
