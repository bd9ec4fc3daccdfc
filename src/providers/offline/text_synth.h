// Deterministic stand-in text for the offline provider: a markdown title taken from the prompt
// and a few paragraphs that mix a neutral editorial vocabulary with the prompt's own keywords.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/engine/provider.h"

namespace atelier::offline {

// The full response text for `req`, already cut to about req.max_tokens (4 chars per token).
// A conversation with several user turns and a previous assistant reply is treated as a
// revision: the previous reply is kept, changed according to the last instruction ("shorter"
// drops paragraphs, anything else adds one built from the instruction's keywords), re-titled
// "(Revision N)" and followed by a "> Revised: <instruction>" line.
std::string SynthesizeText(const TextRequest& req);

// "Write a post about {{topic}}!" -> "Write A Post About Topic": the first `max_words` words,
// with template braces and punctuation removed.
std::string TitleFromPrompt(std::string_view prompt, size_t max_words = 8);

// Lower-cased words of at least four letters, minus common filler words, first-seen order.
std::vector<std::string> KeywordsOf(std::string_view text);

// `sentences` sentences of the stock prose, naming `keywords` in order (stock nouns when empty).
std::string ProseSentences(std::vector<std::string> keywords, uint64_t seed, int sentences);

// Cuts `text` to at most `max_chars` bytes at a word boundary (never inside a UTF-8 sequence).
std::string TruncateAtWord(std::string text, size_t max_chars);

}  // namespace atelier::offline
