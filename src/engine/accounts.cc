#include "atelier/store/accounts.h"

#include <array>

namespace atelier {
namespace {
// Indexed by the enum's value (Role starts at 1, so slot 0 is unused).
constexpr std::array<const char*, 4> kRoleNames = {"", "viewer", "editor", "admin"};
constexpr std::array<const char*, 4> kLedgerKindNames = {"grant", "reservation", "settlement",
                                                         "refund"};
}  // namespace

const char* RoleName(Role r) { return kRoleNames[static_cast<int>(r)]; }

std::optional<Role> RoleFromName(std::string_view name) {
  for (size_t i = 1; i < kRoleNames.size(); ++i)
    if (name == kRoleNames[i]) return static_cast<Role>(i);
  return std::nullopt;
}

const char* LedgerKindName(LedgerKind k) { return kLedgerKindNames[static_cast<int>(k)]; }

std::optional<LedgerKind> LedgerKindFromName(std::string_view name) {
  for (size_t i = 0; i < kLedgerKindNames.size(); ++i)
    if (name == kLedgerKindNames[i]) return static_cast<LedgerKind>(i);
  return std::nullopt;
}

}  // namespace atelier
