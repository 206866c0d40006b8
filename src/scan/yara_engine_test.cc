#include "scan/yara_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace otguard::scan {
namespace {

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(YaraRulesTest, CompileErrorNamesFileAndLine) {
  std::vector<YaraSource> sources = {{"bad.yar",
                                      "rule ok { condition: true }\n"
                                      "rule broken { condition: nosuchthing }\n"}};
  auto rules = YaraRules::CompileText(sources);
  ASSERT_FALSE(rules.has_value());
  EXPECT_EQ(rules.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rules.error().message()), ::testing::HasSubstr("bad.yar:2:"));
}

TEST(YaraRulesTest, SameRuleNameInTwoFilesDoesNotClash) {
  std::vector<YaraSource> sources = {{"a.yar", "rule Dup { strings: $a = \"abc\" condition: $a }"},
                                     {"b.yar", "rule Dup { strings: $a = \"abc\" condition: $a }"}};
  auto rules = YaraRules::CompileText(sources);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  auto scanner = YaraScanner::Create(*rules);
  ASSERT_TRUE(scanner.has_value());
  std::vector<YaraMatch> matches;
  ASSERT_TRUE(scanner->Scan(Bytes("xxabcxx"), /*all_matches=*/true, &matches).ok());
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].source, "a.yar");
  EXPECT_EQ(matches[1].source, "b.yar");
  matches.clear();
  ASSERT_TRUE(scanner->Scan(Bytes("xxabcxx"), /*all_matches=*/false, &matches).ok());
  EXPECT_EQ(matches.size(), 1u);
}

TEST(YaraRulesTest, MissingFileIsNotFound) {
  std::vector<std::string> paths = {"/nonexistent/rules.yar"};
  auto rules = YaraRules::CompileFiles(paths);
  ASSERT_FALSE(rules.has_value());
  EXPECT_EQ(rules.error().code(), StatusCode::kNotFound);
}

TEST(YaraScannerTest, ScannersOnManyThreadsShareOneRuleSet) {
  std::vector<YaraSource> sources = {
      {"t.yar", "rule T { strings: $a = \"needle\" condition: $a }"}};
  auto rules = YaraRules::CompileText(sources);
  ASSERT_TRUE(rules.has_value());
  std::vector<int> found(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto scanner = YaraScanner::Create(*rules);
      for (int i = 0; i < 200; ++i) {
        std::vector<YaraMatch> m;
        if (scanner && scanner->Scan(Bytes(i % 2 ? "a needle" : "hay"), false, &m).ok()) {
          found[t] += static_cast<int>(m.size());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int f : found) EXPECT_EQ(f, 100);
}

// The public face for text rules (the hunt's pack indicators).
TEST(YaraMatcherTest, TellsWhetherAnyRuleMatches) {
  std::vector<YaraSource> sources = {
      {"pack/miner", "rule miner { strings: $a = \"stratum+tcp://\" condition: $a }"}};
  auto matcher = YaraMatcher::Compile(sources);
  ASSERT_TRUE(matcher.has_value()) << matcher.error().ToString();
  auto hit = matcher->Matches(Bytes("-o stratum+tcp://pool.example:3333"));
  ASSERT_TRUE(hit.has_value());
  EXPECT_TRUE(*hit);
  auto miss = matcher->Matches(Bytes("-o https://example.org"));
  ASSERT_TRUE(miss.has_value());
  EXPECT_FALSE(*miss);
}

TEST(YaraMatcherTest, BadRuleTextIsInvalidArgument) {
  std::vector<YaraSource> sources = {{"pack/bad", "rule { condition: }"}};
  auto matcher = YaraMatcher::Compile(sources);
  ASSERT_FALSE(matcher.has_value());
  EXPECT_EQ(matcher.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(matcher.error().message()), ::testing::HasSubstr("pack/bad:1:"));
}

}  // namespace
}  // namespace otguard::scan
