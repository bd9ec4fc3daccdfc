#include "atelier/app/log_line.h"

#include <gtest/gtest.h>

namespace atelier {
namespace {

TEST(LogLine, OneJsonObjectWithTimeLevelMessageAndTheExtraFields) {
  const std::string line = LogLine(1700000000123, "warn", "cannot adopt execution yet",
                                   {{"execution_id", "ex_1"}, {"count", 2}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  Json j = Json::parse(line);
  EXPECT_EQ(j["ts"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "cannot adopt execution yet");
  EXPECT_EQ(j["execution_id"], "ex_1");
  EXPECT_EQ(j["count"], 2);
}

TEST(LogLine, InvalidUtf8FromAProviderIsReplacedNotThrown) {
  // An error message echoing bytes a provider sent: a worker's log must not throw on it.
  std::string line;
  ASSERT_NO_THROW(line =
                      LogLine(0, "error", "step failed", {{"error", std::string("bad \xff\xfe")}}));
  Json j = Json::parse(line);
  EXPECT_EQ(j["error"], "bad \xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace atelier
