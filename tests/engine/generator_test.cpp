#include "engine/generator.h"

#include <gtest/gtest.h>

namespace souverain {
namespace {

std::string feed(StopStringFilter& filter, const std::vector<std::string>& pieces) {
    std::string out;
    for (const std::string& piece : pieces) {
        out += filter.push(piece);
        if (filter.stopped()) return out;
    }
    return out + filter.flush();
}

TEST(StopStringFilter, StopsBeforeAStopStringSplitAcrossPieces) {
    StopStringFilter filter({"</answer>"});
    EXPECT_EQ(feed(filter, {"Hello </an", "swer> and more"}), "Hello ");
    EXPECT_TRUE(filter.stopped());
}

TEST(StopStringFilter, ReleasesHeldTextWhenItIsNotAStop) {
    StopStringFilter filter({"STOP"});
    std::string first = filter.push("abc ST");
    EXPECT_EQ(first, "abc ");  // "ST" might start "STOP"
    EXPECT_EQ(filter.push("ART"), "START");
    EXPECT_FALSE(filter.stopped());
}

TEST(StopStringFilter, EarliestOfSeveralStopsWins) {
    StopStringFilter filter({"\n\n", "User:"});
    EXPECT_EQ(feed(filter, {"one User: two\n\nthree"}), "one ");
}

TEST(StopStringFilter, NoStopsPassesEverythingThrough) {
    StopStringFilter filter({});
    EXPECT_EQ(feed(filter, {"a", "b", "c"}), "abc");
    EXPECT_FALSE(filter.stopped());
}

TEST(StopStringFilter, NeverSplitsAUtf8Character) {
    StopStringFilter filter({"\xC3\xA9x"});  // "éx"
    // "é" could start the stop string; it must be held whole, then released whole.
    std::string out = filter.push("caf\xC3\xA9");
    EXPECT_EQ(out, "caf");
    EXPECT_EQ(filter.push("!"), "\xC3\xA9!");
}

}  // namespace
}  // namespace souverain
