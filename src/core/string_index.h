// Private to core: a flat open-addressing map from string views to ints, for indexing the ids of
// large templates. std::unordered_map allocates a node per entry and chases three pointers per
// lookup; on 100,000-node templates that dominated validation time.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace atelier::internal {

// The viewed strings must outlive the index and stay in place. Entries are kept in insertion
// order apart from the slot table, so lookups in roughly file order touch memory in order.
class StringIndex {
 public:
  // Clears the index and sizes it for `expected` keys.
  void Reset(size_t expected) {
    size_t capacity = 16;
    while (capacity < expected * 2) capacity <<= 1;
    slots_.assign(capacity, Slot{0, -1});
    mask_ = capacity - 1;
    entries_.clear();
    entries_.reserve(expected);
  }

  // Adds key -> value unless key is present. Returns the existing value, or -1 when added.
  int Insert(std::string_view key, int value) {
    if ((entries_.size() + 1) * 2 > slots_.size()) Grow();
    const uint32_t h = Hash(key);
    size_t s = h & mask_;
    for (; slots_[s].entry >= 0; s = (s + 1) & mask_) {
      if (slots_[s].hash == h && entries_[slots_[s].entry].key == key) {
        return entries_[slots_[s].entry].value;
      }
    }
    slots_[s] = Slot{h, static_cast<int32_t>(entries_.size())};
    entries_.push_back({key, value});
    return -1;
  }

  // The value of key; -1 when absent.
  int Find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint32_t h = Hash(key);
    for (size_t s = h & mask_; slots_[s].entry >= 0; s = (s + 1) & mask_) {
      if (slots_[s].hash == h && entries_[slots_[s].entry].key == key) {
        return entries_[slots_[s].entry].value;
      }
    }
    return -1;
  }

 private:
  struct Slot {
    uint32_t hash;
    int32_t entry;  // index into entries_; -1 = empty
  };
  struct Entry {
    std::string_view key;
    int value;
  };

  static uint32_t Hash(std::string_view key) {
    const size_t h = std::hash<std::string_view>()(key);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

  void Grow() {
    const size_t capacity = slots_.empty() ? 16 : slots_.size() * 2;
    slots_.assign(capacity, Slot{0, -1});
    mask_ = capacity - 1;
    for (size_t k = 0; k < entries_.size(); ++k) {
      const uint32_t h = Hash(entries_[k].key);
      size_t s = h & mask_;
      while (slots_[s].entry >= 0) s = (s + 1) & mask_;
      slots_[s] = Slot{h, static_cast<int32_t>(k)};
    }
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  size_t mask_ = 0;
};

}  // namespace atelier::internal
