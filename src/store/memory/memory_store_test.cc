#include "store/memory/memory_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/store_conformance.h"

namespace atelier {
namespace {

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformance, ::testing::Values(StoreFactory(NewMemoryStore)));

}  // namespace atelier
