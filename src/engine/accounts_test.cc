#include "atelier/store/accounts.h"

#include <gtest/gtest.h>

#include <string>

namespace atelier {
namespace {

TEST(RoleNames, RoundTripEveryRole) {
  for (Role r : {Role::kViewer, Role::kEditor, Role::kAdmin}) {
    auto back = RoleFromName(RoleName(r));
    ASSERT_TRUE(back.has_value()) << RoleName(r);
    EXPECT_EQ(*back, r);
  }
  EXPECT_EQ(std::string(RoleName(Role::kViewer)), "viewer");
  EXPECT_EQ(std::string(RoleName(Role::kEditor)), "editor");
  EXPECT_EQ(std::string(RoleName(Role::kAdmin)), "admin");
}

TEST(RoleNames, UnknownOrEmptyNameIsNullopt) {
  EXPECT_FALSE(RoleFromName("").has_value());
  EXPECT_FALSE(RoleFromName("Admin").has_value());
  EXPECT_FALSE(RoleFromName("owner").has_value());
}

TEST(RoleNames, RolesAreOrderedByPower) {
  EXPECT_LT(Role::kViewer, Role::kEditor);
  EXPECT_LT(Role::kEditor, Role::kAdmin);
}

TEST(LedgerKindNames, RoundTripEveryKind) {
  for (LedgerKind k : {LedgerKind::kGrant, LedgerKind::kReservation, LedgerKind::kSettlement,
                       LedgerKind::kRefund}) {
    auto back = LedgerKindFromName(LedgerKindName(k));
    ASSERT_TRUE(back.has_value()) << LedgerKindName(k);
    EXPECT_EQ(*back, k);
  }
  EXPECT_EQ(std::string(LedgerKindName(LedgerKind::kGrant)), "grant");
  EXPECT_EQ(std::string(LedgerKindName(LedgerKind::kReservation)), "reservation");
  EXPECT_EQ(std::string(LedgerKindName(LedgerKind::kSettlement)), "settlement");
  EXPECT_EQ(std::string(LedgerKindName(LedgerKind::kRefund)), "refund");
}

TEST(LedgerKindNames, UnknownNameIsNullopt) {
  EXPECT_FALSE(LedgerKindFromName("").has_value());
  EXPECT_FALSE(LedgerKindFromName("debit").has_value());
  EXPECT_FALSE(LedgerKindFromName("Grant").has_value());
}

}  // namespace
}  // namespace atelier
