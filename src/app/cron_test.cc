#include "atelier/app/cron.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace atelier {
namespace {

// "2027-03-14T07:00:00Z" -> epoch ms (whole seconds, UTC only).
int64_t Ms(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char z = 0;
  EXPECT_EQ(std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &s, &z), 7)
      << iso;
  EXPECT_EQ(z, 'Z') << iso;
  date::sys_days day{date::year{y} / mo / d};
  auto t = day + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Epoch ms -> "2027-03-14T07:00:00Z" (or "...:00.500Z" when not whole seconds).
std::string Iso(int64_t ms) {
  if (ms == CronSpec::kNever) return "never";
  date::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds{ms}};
  if (ms % 1000 == 0) return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
  return date::format("%FT%TZ", t);
}

CronSpec MustParse(std::string_view expr, std::string_view tz = "UTC") {
  Result<CronSpec> r = CronSpec::Parse(expr, tz);
  EXPECT_TRUE(r.has_value()) << expr << ": " << r.error().ToString();
  if (!r) return *CronSpec::Parse("* * * * *", "UTC");
  return *r;
}

// The next `n` fire times of `expr` in `tz` after `after`, as ISO strings.
std::vector<std::string> Fires(std::string_view expr, std::string_view tz, const std::string& after,
                               int n) {
  std::vector<std::string> out;
  for (int64_t t : NextFireTimes(MustParse(expr, tz), Ms(after), n)) out.push_back(Iso(t));
  return out;
}

std::string NextIso(std::string_view expr, std::string_view tz, const std::string& after) {
  return Iso(MustParse(expr, tz).Next(Ms(after)));
}

std::string ParseError(std::string_view expr, std::string_view tz = "UTC") {
  Result<CronSpec> r = CronSpec::Parse(expr, tz);
  if (r) return "<parsed>";
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << expr;
  return r.error().message();
}

using V = std::vector<std::string>;
const std::string kJan1 = "2027-01-01T00:00:00Z";  // a Friday

TEST(CronSyntax, Minutes) {
  EXPECT_EQ(Fires("* * * * *", "UTC", kJan1, 3),
            V({"2027-01-01T00:01:00Z", "2027-01-01T00:02:00Z", "2027-01-01T00:03:00Z"}));
  EXPECT_EQ(Fires("5 * * * *", "UTC", kJan1, 2),
            V({"2027-01-01T00:05:00Z", "2027-01-01T01:05:00Z"}));
  EXPECT_EQ(Fires("10-12 * * * *", "UTC", kJan1, 4),
            V({"2027-01-01T00:10:00Z", "2027-01-01T00:11:00Z", "2027-01-01T00:12:00Z",
               "2027-01-01T01:10:00Z"}));
  EXPECT_EQ(Fires("1,30,45 * * * *", "UTC", kJan1, 4),
            V({"2027-01-01T00:01:00Z", "2027-01-01T00:30:00Z", "2027-01-01T00:45:00Z",
               "2027-01-01T01:01:00Z"}));
  EXPECT_EQ(Fires("*/20 * * * *", "UTC", kJan1, 3),
            V({"2027-01-01T00:20:00Z", "2027-01-01T00:40:00Z", "2027-01-01T01:00:00Z"}));
  EXPECT_EQ(Fires("10-30/10 * * * *", "UTC", kJan1, 4),
            V({"2027-01-01T00:10:00Z", "2027-01-01T00:20:00Z", "2027-01-01T00:30:00Z",
               "2027-01-01T01:10:00Z"}));
  EXPECT_EQ(Fires("50/4 * * * *", "UTC", kJan1, 4),
            V({"2027-01-01T00:50:00Z", "2027-01-01T00:54:00Z", "2027-01-01T00:58:00Z",
               "2027-01-01T01:50:00Z"}));
  EXPECT_EQ(Fires("0-5/5,58 * * * *", "UTC", kJan1, 3),
            V({"2027-01-01T00:05:00Z", "2027-01-01T00:58:00Z", "2027-01-01T01:00:00Z"}));
}

TEST(CronSyntax, HoursDaysMonths) {
  EXPECT_EQ(Fires("0 9-17/4 * * *", "UTC", kJan1, 4),
            V({"2027-01-01T09:00:00Z", "2027-01-01T13:00:00Z", "2027-01-01T17:00:00Z",
               "2027-01-02T09:00:00Z"}));
  EXPECT_EQ(Fires("15 8,20 * * *", "UTC", kJan1, 3),
            V({"2027-01-01T08:15:00Z", "2027-01-01T20:15:00Z", "2027-01-02T08:15:00Z"}));
  EXPECT_EQ(Fires("0 0 */10 * *", "UTC", kJan1, 4),
            V({"2027-01-11T00:00:00Z", "2027-01-21T00:00:00Z", "2027-01-31T00:00:00Z",
               "2027-02-01T00:00:00Z"}));
  EXPECT_EQ(Fires("0 0 1 3-5 *", "UTC", kJan1, 4),
            V({"2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z", "2027-05-01T00:00:00Z",
               "2028-03-01T00:00:00Z"}));
  EXPECT_EQ(Fires("0 0 1 */6 *", "UTC", kJan1, 3),
            V({"2027-07-01T00:00:00Z", "2028-01-01T00:00:00Z", "2028-07-01T00:00:00Z"}));
  // Spaces and tabs of any length separate fields.
  EXPECT_EQ(NextIso("  0\t0   1 1 *  ", "UTC", kJan1), "2028-01-01T00:00:00Z");
}

TEST(CronSyntax, MonthNamesCaseInsensitive) {
  EXPECT_EQ(Fires("0 0 1 jan,JUL *", "UTC", kJan1, 3),
            V({"2027-07-01T00:00:00Z", "2028-01-01T00:00:00Z", "2028-07-01T00:00:00Z"}));
  EXPECT_EQ(Fires("0 0 1 Mar-may *", "UTC", kJan1, 4),
            V({"2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z", "2027-05-01T00:00:00Z",
               "2028-03-01T00:00:00Z"}));
  EXPECT_EQ(Fires("0 0 1 feb-dec/5 *", "UTC", kJan1, 3),
            V({"2027-02-01T00:00:00Z", "2027-07-01T00:00:00Z", "2027-12-01T00:00:00Z"}));
}

TEST(CronSyntax, DayNamesAndSevenIsSunday) {
  EXPECT_EQ(Fires("0 12 * * mon-fri", "UTC", kJan1, 3),
            V({"2027-01-01T12:00:00Z", "2027-01-04T12:00:00Z", "2027-01-05T12:00:00Z"}));
  const V sundays = {"2027-01-03T00:00:00Z", "2027-01-10T00:00:00Z"};
  EXPECT_EQ(Fires("0 0 * * 0", "UTC", kJan1, 2), sundays);
  EXPECT_EQ(Fires("0 0 * * 7", "UTC", kJan1, 2), sundays);
  EXPECT_EQ(Fires("0 0 * * sun", "UTC", kJan1, 2), sundays);
  EXPECT_EQ(Fires("0 0 * * SUN", "UTC", kJan1, 2), sundays);
  EXPECT_EQ(Fires("0 0 * * 6-7", "UTC", kJan1, 3),
            V({"2027-01-02T00:00:00Z", "2027-01-03T00:00:00Z", "2027-01-09T00:00:00Z"}));
  EXPECT_EQ(Fires("0 0 * * fri-7", "UTC", kJan1, 4),
            V({"2027-01-02T00:00:00Z", "2027-01-03T00:00:00Z", "2027-01-08T00:00:00Z",
               "2027-01-09T00:00:00Z"}));
  // 'a/n' runs to Saturday: mon,wed,fri.
  EXPECT_EQ(Fires("0 0 * * 1/2", "UTC", kJan1, 4),
            V({"2027-01-04T00:00:00Z", "2027-01-06T00:00:00Z", "2027-01-08T00:00:00Z",
               "2027-01-11T00:00:00Z"}));
  EXPECT_EQ(Fires("0 0 * * Tue,thu", "UTC", kJan1, 2),
            V({"2027-01-05T00:00:00Z", "2027-01-07T00:00:00Z"}));
}

TEST(CronSyntax, BothDayFieldsRestrictedMeansEither) {
  // The 13th (a Wednesday in Jan 2027) or any Friday.
  EXPECT_EQ(Fires("0 0 13 * 5", "UTC", kJan1, 5),
            V({"2027-01-08T00:00:00Z", "2027-01-13T00:00:00Z", "2027-01-15T00:00:00Z",
               "2027-01-22T00:00:00Z", "2027-01-29T00:00:00Z"}));
  EXPECT_EQ(Fires("0 0 13 * fri", "UTC", "2027-02-11T00:00:00Z", 2),
            V({"2027-02-12T00:00:00Z", "2027-02-13T00:00:00Z"}));
  // Day 30 of February never happens, but Mondays in February do.
  EXPECT_EQ(NextIso("0 0 30 2 mon", "UTC", kJan1), "2027-02-01T00:00:00Z");
}

TEST(CronSyntax, StarPrefixedDayFieldMeansBoth) {
  // '*/7' in day of week is Sunday only, and starts with '*': the 13th AND a Sunday.
  EXPECT_EQ(Fires("0 0 13 * */7", "UTC", kJan1, 3),
            V({"2027-06-13T00:00:00Z", "2028-02-13T00:00:00Z", "2028-08-13T00:00:00Z"}));
  // '*/2' in day of month starts with '*': odd days that are Mondays.
  EXPECT_EQ(Fires("0 0 */2 * 1", "UTC", kJan1, 3),
            V({"2027-01-11T00:00:00Z", "2027-01-25T00:00:00Z", "2027-02-01T00:00:00Z"}));
}

TEST(CronSyntax, Macros) {
  const std::string after = "2027-03-01T10:30:00Z";  // a Monday
  EXPECT_EQ(NextIso("@yearly", "UTC", after), "2028-01-01T00:00:00Z");
  EXPECT_EQ(NextIso("@annually", "UTC", after), "2028-01-01T00:00:00Z");
  EXPECT_EQ(NextIso("@monthly", "UTC", after), "2027-04-01T00:00:00Z");
  EXPECT_EQ(NextIso("@weekly", "UTC", after), "2027-03-07T00:00:00Z");
  EXPECT_EQ(NextIso("@daily", "UTC", after), "2027-03-02T00:00:00Z");
  EXPECT_EQ(NextIso("@midnight", "UTC", after), "2027-03-02T00:00:00Z");
  EXPECT_EQ(NextIso("@hourly", "UTC", after), "2027-03-01T11:00:00Z");
  EXPECT_EQ(NextIso(" @Daily ", "UTC", after), "2027-03-02T00:00:00Z");
  CronSpec daily = MustParse("@daily", "Europe/Paris");
  EXPECT_EQ(daily.expression(), "@daily");
  EXPECT_EQ(daily.time_zone(), "Europe/Paris");
}

TEST(CronErrors, FieldCount) {
  EXPECT_EQ(ParseError("0 0 * *"), "cron expression must have 5 fields, got 4");
  EXPECT_EQ(ParseError(""), "cron expression must have 5 fields, got 0");
  EXPECT_EQ(ParseError("0 0 * * * *"), "cron expression must have 5 fields, got 6");
  EXPECT_EQ(ParseError("@daily now"), "cron expression must have 5 fields, got 2");
  EXPECT_EQ(ParseError("@reboot"), "unknown cron macro '@reboot'");
}

TEST(CronErrors, EachFieldIsNamed) {
  EXPECT_EQ(ParseError("60 * * * *"), "cron field 1 (minute) '60': 60 is out of range 0-59");
  EXPECT_EQ(ParseError("0 25 * * *"), "cron field 2 (hour) '25': 25 is out of range 0-23");
  EXPECT_EQ(ParseError("0 0 0 * *"), "cron field 3 (day of month) '0': 0 is out of range 1-31");
  EXPECT_EQ(ParseError("0 0 1,32 * *"),
            "cron field 3 (day of month) '1,32': 32 is out of range 1-31");
  EXPECT_EQ(ParseError("0 0 * 13 *"), "cron field 4 (month) '13': 13 is out of range 1-12");
  EXPECT_EQ(ParseError("0 0 * 0 *"), "cron field 4 (month) '0': 0 is out of range 1-12");
  EXPECT_EQ(ParseError("0 0 * * 8"), "cron field 5 (day of week) '8': 8 is out of range 0-7");
}

TEST(CronErrors, BadText) {
  EXPECT_EQ(ParseError("0 0 * foo *"),
            "cron field 4 (month) 'foo': 'foo' is not a number or a month name (jan-dec)");
  EXPECT_EQ(
      ParseError("0 0 * * funday"),
      "cron field 5 (day of week) 'funday': 'funday' is not a number or a day name (sun-sat)");
  EXPECT_EQ(ParseError("0 0 * * jan"),
            "cron field 5 (day of week) 'jan': 'jan' is not a number or a day name (sun-sat)");
  EXPECT_EQ(ParseError("0 mon * * *"), "cron field 2 (hour) 'mon': 'mon' is not a number");
  EXPECT_EQ(ParseError("1.5 * * * *"), "cron field 1 (minute) '1.5': '1.5' is not a number");
  EXPECT_EQ(ParseError("+5 * * * *"), "cron field 1 (minute) '+5': '+5' is not a number");
  EXPECT_EQ(ParseError("-5 * * * *"), "cron field 1 (minute) '-5': a value is missing");
  EXPECT_EQ(ParseError("5- * * * *"), "cron field 1 (minute) '5-': a value is missing");
  EXPECT_EQ(ParseError("1,,2 * * * *"), "cron field 1 (minute) '1,,2': empty list item");
  EXPECT_EQ(ParseError("1, * * * *"), "cron field 1 (minute) '1,': empty list item");
  EXPECT_EQ(ParseError("99999999999 * * * *"),
            "cron field 1 (minute) '99999999999': 99999999999 is out of range 0-59");
  EXPECT_EQ(ParseError("5-1 * * * *"), "cron field 1 (minute) '5-1': range 5-1 goes backwards");
  EXPECT_EQ(ParseError("0 0 * * fri-mon"),
            "cron field 5 (day of week) 'fri-mon': range fri-mon goes backwards");
}

TEST(CronErrors, BadSteps) {
  EXPECT_EQ(ParseError("*/0 * * * *"),
            "cron field 1 (minute) '*/0': step '0' must be a whole number of at least 1");
  EXPECT_EQ(ParseError("0 */x * * *"),
            "cron field 2 (hour) '*/x': step 'x' must be a whole number of at least 1");
  EXPECT_EQ(ParseError("0 */ * * *"),
            "cron field 2 (hour) '*/': step '' must be a whole number of at least 1");
  EXPECT_EQ(ParseError("1/2/3 * * * *"),
            "cron field 1 (minute) '1/2/3': '1/2/3' has more than one '/'");
  EXPECT_EQ(ParseError("0 0 * jan/mar *"),
            "cron field 4 (month) 'jan/mar': step 'mar' must be a whole number of at least 1");
}

TEST(CronErrors, NeverFires) {
  EXPECT_EQ(ParseError("0 0 30 2 *"),
            "cron expression '0 0 30 2 *' never fires: no allowed month (2) has an allowed day "
            "of month (30)");
  EXPECT_EQ(ParseError("0 0 31 4,6,9,11 *"),
            "cron expression '0 0 31 4,6,9,11 *' never fires: no allowed month (4,6,9,11) has an "
            "allowed day of month (31)");
  EXPECT_EQ(ParseError("0 0 30,31 feb *"),
            "cron expression '0 0 30,31 feb *' never fires: no allowed month (feb) has an allowed "
            "day of month (30,31)");
  EXPECT_EQ(ParseError("0 0 31 feb-jun/2 *"),  // feb, apr, jun
            "cron expression '0 0 31 feb-jun/2 *' never fires: no allowed month (feb-jun/2) has an "
            "allowed day of month (31)");
  // The AND rule applies when day of week starts with '*', too.
  EXPECT_EQ(ParseError("0 0 30 2 */2"),
            "cron expression '0 0 30 2 */2' never fires: no allowed month (2) has an allowed day "
            "of month (30)");
  // These can fire.
  EXPECT_TRUE(CronSpec::Parse("0 0 29 2 *", "UTC").has_value());
  EXPECT_TRUE(CronSpec::Parse("0 0 31 1-2 *", "UTC").has_value());
  EXPECT_TRUE(CronSpec::Parse("0 0 30 2 1", "UTC").has_value());  // OR: Mondays in February
}

TEST(CronErrors, UnknownTimeZone) {
  EXPECT_EQ(ParseError("0 0 * * *", "Mars/Base"), "unknown time zone 'Mars/Base'");
  EXPECT_EQ(ParseError("0 0 * * *", "Europe/"), "unknown time zone 'Europe/'");
  EXPECT_EQ(ParseError("0 0 * * *", "../etc/passwd"), "unknown time zone '../etc/passwd'");
}

TEST(CronLeapDay, Feb29FromANonLeapYear) {
  EXPECT_EQ(Fires("0 0 29 2 *", "UTC", kJan1, 2),
            V({"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
  EXPECT_EQ(NextIso("0 0 29 feb *", "Europe/Paris", kJan1), "2028-02-28T23:00:00Z");
}

TEST(CronLeapDay, Feb29OnASundayIsDecadesAway) {
  // '*/7' = Sunday, AND rule. Sunday Feb 29s: 2032, 2060, 2088, then 2128 (2100 is not leap).
  EXPECT_EQ(Fires("0 0 29 2 */7", "UTC", kJan1, 3),
            V({"2032-02-29T00:00:00Z", "2060-02-29T00:00:00Z", "2088-02-29T00:00:00Z"}));
  EXPECT_EQ(NextIso("0 0 29 2 */7", "UTC", "2088-02-29T00:00:00Z"), "2128-02-29T00:00:00Z");
}

TEST(CronTimeZones, UtcAndEmptyMeanUtc) {
  EXPECT_EQ(NextIso("30 9 * * *", "UTC", "2027-06-01T00:00:00Z"), "2027-06-01T09:30:00Z");
  CronSpec spec = MustParse("30 9 * * *", "");
  EXPECT_EQ(spec.time_zone(), "UTC");
  EXPECT_EQ(Iso(spec.Next(Ms("2027-06-01T09:30:00Z"))), "2027-06-02T09:30:00Z");
}

TEST(CronTimeZones, EuropeParis) {
  // Summer (CEST, UTC+2) and winter (CET, UTC+1).
  EXPECT_EQ(NextIso("30 9 * * *", "Europe/Paris", "2027-06-01T00:00:00Z"), "2027-06-01T07:30:00Z");
  EXPECT_EQ(NextIso("30 9 * * *", "Europe/Paris", "2027-01-10T00:00:00Z"), "2027-01-10T08:30:00Z");
  // Local midnight of the 1st is the evening before in UTC.
  EXPECT_EQ(NextIso("@monthly", "Europe/Paris", "2027-06-15T00:00:00Z"), "2027-06-30T22:00:00Z");
  // Spring forward 2027-03-28 02:00 CET -> 03:00 CEST (01:00Z): 02:30 fires at the gap's end.
  EXPECT_EQ(Fires("30 2 * * *", "Europe/Paris", "2027-03-27T00:00:00Z", 3),
            V({"2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"}));
}

TEST(CronTimeZones, AmericaNewYork) {
  // Winter (EST, UTC-5).
  EXPECT_EQ(NextIso("0 9 * * *", "America/New_York", "2027-01-10T00:00:00Z"),
            "2027-01-10T14:00:00Z");
  // 22:00 local on Jan 9 is already Jan 10 in UTC.
  EXPECT_EQ(NextIso("0 22 * * *", "America/New_York", "2027-01-10T00:00:00Z"),
            "2027-01-10T03:00:00Z");
  // Summer (EDT, UTC-4): after Friday 2027-06-04 10:00 EDT comes Monday 09:00 EDT.
  EXPECT_EQ(NextIso("0 9 * * mon-fri", "America/New_York", "2027-06-04T14:00:00Z"),
            "2027-06-07T13:00:00Z");
  // Local weekday, not UTC weekday: Friday 23:00 EDT is Saturday 03:00Z.
  EXPECT_EQ(NextIso("0 23 * * fri", "America/New_York", "2027-06-01T00:00:00Z"),
            "2027-06-05T03:00:00Z");
}

TEST(CronDst, SpringForwardGapFiresAtGapEndOnce) {
  // 2027-03-14: 02:00 EST -> 03:00 EDT at 07:00Z. 02:30 does not exist that day.
  EXPECT_EQ(NextIso("30 2 * * *", "America/New_York", "2027-03-13T12:00:00Z"),
            "2027-03-14T07:00:00Z");
  EXPECT_EQ(Fires("30 2 * * *", "America/New_York", "2027-03-13T00:00:00Z", 3),
            V({"2027-03-13T07:30:00Z", "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z"}));
  // Every gap time merges into one firing at 03:00 EDT.
  EXPECT_EQ(Fires("*/15 2 * * *", "America/New_York", "2027-03-14T06:00:00Z", 3),
            V({"2027-03-14T07:00:00Z", "2027-03-15T06:00:00Z", "2027-03-15T06:15:00Z"}));
  // ... including 03:00 itself.
  EXPECT_EQ(Fires("0,30 2,3 * * *", "America/New_York", "2027-03-14T06:00:00Z", 3),
            V({"2027-03-14T07:00:00Z", "2027-03-14T07:30:00Z", "2027-03-15T06:00:00Z"}));
  EXPECT_EQ(Fires("0 * * * *", "America/New_York", "2027-03-14T05:30:00Z", 3),
            V({"2027-03-14T06:00:00Z", "2027-03-14T07:00:00Z", "2027-03-14T08:00:00Z"}));
}

TEST(CronDst, FallBackRepeatedTimeFiresOnceAtFirstOccurrence) {
  // 2027-11-07: 02:00 EDT -> 01:00 EST at 06:00Z; 01:30 local is 05:30Z and again 06:30Z.
  EXPECT_EQ(Fires("30 1 * * *", "America/New_York", "2027-11-07T00:00:00Z", 2),
            V({"2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"}));
  // From inside the second pass of the repeated hour, the next is the following day.
  EXPECT_EQ(NextIso("30 1 * * *", "America/New_York", "2027-11-07T06:10:00Z"),
            "2027-11-08T06:30:00Z");
  EXPECT_EQ(NextIso("* * * * *", "America/New_York", "2027-11-07T06:10:00Z"),
            "2027-11-07T07:00:00Z");
}

TEST(CronDst, HourlyAcrossFallBackIsStrictlyIncreasing) {
  std::vector<int64_t> times =
      NextFireTimes(MustParse("0 * * * *", "America/New_York"), Ms("2027-11-07T03:30:00Z"), 6);
  ASSERT_EQ(times.size(), 6u);
  for (size_t i = 1; i < times.size(); ++i) EXPECT_LT(times[i - 1], times[i]) << i;
  std::vector<std::string> iso;
  for (int64_t t : times) iso.push_back(Iso(t));
  // 00:00 EDT, 01:00 EDT, (01:00 EST skipped), 02:00 EST, 03:00 EST, ...
  EXPECT_EQ(iso, V({"2027-11-07T04:00:00Z", "2027-11-07T05:00:00Z", "2027-11-07T07:00:00Z",
                    "2027-11-07T08:00:00Z", "2027-11-07T09:00:00Z", "2027-11-07T10:00:00Z"}));
  std::vector<int64_t> minutes =
      NextFireTimes(MustParse("*/7 * * * *", "America/New_York"), Ms("2027-11-07T04:30:00Z"), 60);
  for (size_t i = 1; i < minutes.size(); ++i) EXPECT_LT(minutes[i - 1], minutes[i]) << i;
}

TEST(CronNext, StrictlyAfter) {
  CronSpec spec = MustParse("0 10 * * *", "UTC");
  EXPECT_EQ(Iso(spec.Next(Ms("2027-01-01T10:00:00Z"))), "2027-01-02T10:00:00Z");
  EXPECT_EQ(Iso(spec.Next(Ms("2027-01-01T10:00:00Z") - 1)), "2027-01-01T10:00:00Z");
  EXPECT_EQ(Iso(spec.Next(Ms("2027-01-01T10:00:00Z") + 1)), "2027-01-02T10:00:00Z");
  EXPECT_EQ(NextIso("*/15 * * * *", "UTC", "2027-01-01T10:07:30Z"), "2027-01-01T10:15:00Z");
  EXPECT_EQ(NextIso("*/15 * * * *", "UTC", "2027-01-01T10:15:00Z"), "2027-01-01T10:30:00Z");
  // Before 1970 too.
  EXPECT_EQ(NextIso("@yearly", "UTC", "1969-06-01T00:00:00Z"), "1970-01-01T00:00:00Z");
}

TEST(CronNext, NextFireTimes) {
  CronSpec spec = MustParse("0 9 * * mon-fri", "Europe/Paris");
  std::vector<int64_t> times = NextFireTimes(spec, Ms(kJan1), 5);
  ASSERT_EQ(times.size(), 5u);
  for (size_t i = 1; i < times.size(); ++i) EXPECT_LT(times[i - 1], times[i]);
  EXPECT_EQ(Iso(times[0]), "2027-01-01T08:00:00Z");
  EXPECT_EQ(Iso(times[4]), "2027-01-07T08:00:00Z");
  EXPECT_TRUE(NextFireTimes(spec, Ms(kJan1), 0).empty());
  EXPECT_TRUE(NextFireTimes(spec, Ms(kJan1), -3).empty());
}

TEST(CronNext, RareSchedulesAndLimits) {
  // Thousands of yearly look-ups stay quick (months are skipped, not walked minute by minute).
  CronSpec spec = MustParse("59 23 31 dec *", "Asia/Tokyo");
  int64_t t = Ms("2000-01-01T00:00:00Z");
  for (int i = 0; i < 2000; ++i) {
    int64_t next = spec.Next(t);
    ASSERT_GT(next, t);
    t = next;
  }
  EXPECT_EQ(Iso(t), "3999-12-31T14:59:00Z");
  EXPECT_EQ(spec.Next(Ms("9999-12-31T23:59:59Z") + 1000), CronSpec::kNever);
  EXPECT_EQ(Iso(MustParse("* * * * *").Next(INT64_MIN)), "0001-01-01T00:01:00Z");
}

TEST(CronSpec, IsACopyableValue) {
  CronSpec a = MustParse("0 0 13 * 5", "America/New_York");
  CronSpec b = a;
  EXPECT_EQ(b.expression(), "0 0 13 * 5");
  EXPECT_EQ(b.time_zone(), "America/New_York");
  EXPECT_EQ(a.Next(Ms(kJan1)), b.Next(Ms(kJan1)));
}

}  // namespace
}  // namespace atelier
