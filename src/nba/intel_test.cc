#include "otguard/nba/intel.h"

#include <gtest/gtest.h>

#include <fstream>

#include "nba/testing/replay.h"
#include "testing/temp_dir.h"

namespace otguard::nba {
namespace {

TEST(IntelTest, BundledDataLoads) {
  const Intel& intel = testing::BundledIntel();
  EXPECT_EQ(intel.MatchPoolDomain("xmr.pool.minergate.com."), "minergate.com");
  EXPECT_EQ(intel.MatchPoolDomain("XMR.Pool.MinerGate.com"), "minergate.com");
  EXPECT_FALSE(intel.MatchPoolDomain("minergate.com.example.org"));
  EXPECT_FALSE(intel.MatchPoolDomain("notminergate.com"));
  EXPECT_TRUE(intel.IsPoolPort(45560));
  EXPECT_TRUE(intel.IsWebPort(80));
  EXPECT_FALSE(intel.IsWebPort(26931));
  ASSERT_NE(intel.Service(Transport::kTcp, 502), nullptr);
  EXPECT_TRUE(intel.Service(Transport::kTcp, 502)->ics);
}

TEST(IntelTest, BadFilesAreClearErrors) {
  testutil::TempDir dir;
  dir.Write("mining-pools.toml", "[[pool]]\ndomain = \"a.com\"\nports = [0]\n");
  dir.Write("services.toml", "[[service]]\nname = \"x\"\nports = [1]\n");
  auto r = Intel::Load(dir.path());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("mining-pools.toml:3"), std::string::npos)
      << r.error().ToString();
  dir.Write("mining-pools.toml", "[[pool\n");
  EXPECT_FALSE(Intel::Load(dir.path()));
  EXPECT_EQ(Intel::Load(dir.File("missing")).error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace otguard::nba
