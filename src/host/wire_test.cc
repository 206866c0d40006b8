// IOC packs as traffic sees them (wire.h): only what a wire can show, copied unwidened, and a
// named pack with nothing for the wire is an error rather than a silent clean result.
#include "otguard/host/wire.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

TEST(WireIndicatorsTest, BuiltinPackGivesItsRemoteEndpointsOnly) {
  std::vector<Pack> packs = BuiltinPacks();
  ASSERT_FALSE(packs.empty());
  std::set<std::string> expected;
  for (const Indicator& ind : packs[0].indicators) {
    if (ind.kind == IndicatorKind::kRemoteEndpoint) expected.insert(ind.id);
  }
  std::vector<nba::WatchedIndicator> wire = WireIndicators(packs);
  std::set<std::string> got;
  for (const nba::WatchedIndicator& w : wire) {
    got.insert(w.indicator_id);
    EXPECT_EQ(w.pack_id, "msraminer");
    EXPECT_EQ(w.pack_version, packs[0].version);
    EXPECT_FALSE(w.title.empty());
  }
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(got.contains("remote-c2-addresses"));
  EXPECT_TRUE(got.contains("remote-pool-domains"));
  EXPECT_TRUE(got.contains("remote-pool-port"));
  // What the pack holds is in the forms the watchlist takes.
  auto list = nba::Watchlist::Build(wire);
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_TRUE(list->has_domains());
  EXPECT_TRUE(list->has_endpoints());
}

constexpr char kUrlPack[] = R"(format = 1
id = "feed"
name = "A feed"
version = "2026.12.04"

[[indicator]]
id = "stage2"
kind = "remote-endpoint"
title = "Stage 2 script on a code host"
severity = "critical"
technique = "T0869"
urls = ["https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh"]

[[indicator]]
id = "dropper"
kind = "file"
title = "The dropper"
severity = "high"
names = ["stage2.sh"]
)";

TEST(WireIndicatorsTest, UrlStaysAUrlAndHostObjectsAreLeftOut) {
  auto pack = ParsePack(kUrlPack, "feed.toml");
  ASSERT_TRUE(pack.has_value()) << pack.error().ToString();
  auto wire = WireIndicators({*pack});
  ASSERT_EQ(wire.size(), 1u);
  EXPECT_EQ(wire[0].indicator_id, "stage2");
  EXPECT_EQ(wire[0].severity, Severity::kCritical);
  EXPECT_EQ(wire[0].technique, "T0869");
  EXPECT_EQ(wire[0].urls, pack->indicators[0].urls);
  EXPECT_TRUE(wire[0].domains.empty());  // never the URL's host
  EXPECT_TRUE(wire[0].addresses.empty());
}

TEST(LoadWireWatchTest, NamedPackWithNothingForTheWireIsAnError) {
  testutil::TempDir dir;
  std::string files_only = dir.Write("files.toml", R"(format = 1
id = "files"
name = "Files only"
version = "1"

[[indicator]]
id = "dropper"
kind = "file"
title = "The dropper"
severity = "high"
names = ["stage2.sh"]
)");
  std::string feed = dir.Write("feed.toml", kUrlPack);
  WireWatch watch = LoadWireWatch({.builtin = false, .files = {files_only, feed}});
  ASSERT_EQ(watch.errors.size(), 1u);
  EXPECT_NE(watch.errors[0].find("files.toml"), std::string::npos) << watch.errors[0];
  EXPECT_NE(watch.errors[0].find("no indicator that traffic can show"), std::string::npos);
  ASSERT_EQ(watch.indicators.size(), 1u);
  EXPECT_EQ(watch.indicators[0].pack_id, "feed");

  WireWatch builtin = LoadWireWatch({});
  EXPECT_TRUE(builtin.errors.empty());
  EXPECT_FALSE(builtin.indicators.empty());
}

}  // namespace
}  // namespace otguard::host
