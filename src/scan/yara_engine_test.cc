#include "scan/yara_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <yara.h>

#include <thread>

#include "otguard/scan/engines.h"
#include "testing/temp_dir.h"

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

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testutil::TempDir;

std::vector<std::string> RuleNames(const std::vector<YaraMatch>& matches) {
  std::vector<std::string> names;
  for (const auto& m : matches) names.push_back(m.rule);
  return names;
}

TEST(YaraRulesTest, AFileThatCannotBeOpenedIsRejectedWithItsReason) {
  TempDir dir;
  std::vector<std::string> paths = {dir.File("missing.yar"),
                                    dir.Write("ok.yar", "rule Ok { condition: true }")};
  std::vector<YaraRejectedFile> rejected;
  auto rules = YaraRules::CompileFiles(paths, {}, &rejected);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].path, paths[0]);
  EXPECT_THAT(rejected[0].messages[0].message, HasSubstr("No such file"));
}

// The LOKI/THOR externals: declared for every source file, set per scan.
TEST(YaraExternalsTest, PerFileValuesDecideTheMatch) {
  TempDir dir;
  std::vector<std::string> paths = {dir.Write("ext.yar", R"(
rule Named { condition: filename == "svchost.exe" and extension == ".exe" }
rule InTemp { condition: filepath contains "/Temp" }
rule Exe { condition: filetype == "EXE" }
rule Owned { condition: owner == "plc-operator" }
)")};
  std::vector<YaraRejectedFile> rejected;
  auto rules = YaraRules::CompileFiles(paths, {}, &rejected);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  EXPECT_TRUE(rejected.empty());
  auto scanner = YaraScanner::Create(*rules);
  ASSERT_TRUE(scanner.has_value());
  YaraFileFacts facts{"svchost.exe", "/home/x/Temp", ".exe", "EXE", "plc-operator"};
  std::vector<YaraMatch> m;
  ASSERT_TRUE(scanner->Scan(Bytes("MZ"), true, &facts, &m).ok());
  EXPECT_THAT(RuleNames(m), ElementsAre("Named", "InTemp", "Exe", "Owned"));
  facts = YaraFileFacts{"notes.txt", "/srv", ".txt", "UNKNOWN", "root"};
  m.clear();
  ASSERT_TRUE(scanner->Scan(Bytes("MZ"), true, &facts, &m).ok());
  EXPECT_TRUE(m.empty());
}

TEST(YaraExternalsTest, DefinesAreTypedConstants) {
  TempDir dir;
  std::vector<std::string> paths = {dir.Write("def.yar", R"(
rule Level { condition: level > 2 and armed and site == "north" and ratio < 1.0 }
)")};
  std::vector<YaraDefine> defines;
  for (const char* text : {"level=3", "armed=true", "site=north", "ratio=0.5"}) {
    defines.push_back(ParseYaraDefine(text).value());
  }
  auto rules = YaraRules::CompileFiles(paths, defines, nullptr);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  auto scanner = YaraScanner::Create(*rules);
  std::vector<YaraMatch> m;
  ASSERT_TRUE(scanner->Scan(Bytes("x"), true, &m).ok());
  EXPECT_THAT(RuleNames(m), ElementsAre("Level"));
  // A string where the rule compares an integer does not compile, as with yara -d.
  defines[0] = ParseYaraDefine("level=high").value();
  std::vector<YaraRejectedFile> rejected;
  EXPECT_FALSE(YaraRules::CompileFiles(paths, defines, &rejected).has_value());
  ASSERT_EQ(rejected.size(), 1u);
}

TEST(YaraExternalsTest, AnUndefinedExternalSaysHowToDefineIt) {
  TempDir dir;
  std::vector<std::string> paths = {dir.Write("md5.yar", "rule M { condition: md5 == \"x\" }")};
  std::vector<YaraRejectedFile> rejected;
  auto rules = YaraRules::CompileFiles(paths, {}, &rejected);
  ASSERT_FALSE(rules.has_value());
  EXPECT_THAT(std::string(rules.error().message()), HasSubstr("no YARA rule file compiles"));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].messages[0].location, paths[0] + ":1");
  EXPECT_THAT(rejected[0].messages[0].message, HasSubstr("--yara-define"));
}

TEST(YaraRulesTest, EveryBadFileIsListedAndTheGoodOnesStillScan) {
  TempDir dir;
  std::vector<std::string> paths = {
      dir.Write("a_bad.yar", "rule A { condition: nosuch }\nrule B { condition: also_no }\n"),
      dir.Write("b_good.yar", "rule Good { strings: $a = \"needle\" condition: $a }"),
      dir.Write("c_bad.yar", "rule {"),
      dir.Write("d_good.yar", "rule Good2 { condition: filename == \"x.bin\" }")};
  std::vector<YaraRejectedFile> rejected;
  auto rules = YaraRules::CompileFiles(paths, {}, &rejected);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].path, paths[0]);
  ASSERT_EQ(rejected[0].messages.size(), 2u);  // every error of the file, not the first
  EXPECT_EQ(rejected[0].messages[0].location, paths[0] + ":1");
  EXPECT_EQ(rejected[0].messages[1].location, paths[0] + ":2");
  EXPECT_EQ(rejected[1].path, paths[2]);
  auto scanner = YaraScanner::Create(*rules);
  YaraFileFacts facts{"x.bin", "/", ".bin", "UNKNOWN", ""};
  std::vector<YaraMatch> m;
  ASSERT_TRUE(scanner->Scan(Bytes("a needle"), true, &facts, &m).ok());
  EXPECT_THAT(RuleNames(m), ElementsAre("Good", "Good2"));
}

// A file saved by libyara's yr_rules_save, as yarac writes it (yarac itself: tests/integration).
std::string SaveCompiled(const TempDir& dir, const std::string& name, const std::string& text) {
  YR_COMPILER* compiler = nullptr;
  EXPECT_EQ(yr_initialize(), ERROR_SUCCESS);
  EXPECT_EQ(yr_compiler_create(&compiler), ERROR_SUCCESS);
  yr_compiler_define_string_variable(compiler, "filename", "");
  yr_compiler_define_integer_variable(compiler, "level", 0);
  EXPECT_EQ(yr_compiler_add_string(compiler, text.c_str(), nullptr), 0);
  YR_RULES* rules = nullptr;
  EXPECT_EQ(yr_compiler_get_rules(compiler, &rules), ERROR_SUCCESS);
  std::string path = dir.File(name);
  EXPECT_EQ(yr_rules_save(rules, path.c_str()), ERROR_SUCCESS);
  yr_rules_destroy(rules);
  yr_compiler_destroy(compiler);
  yr_finalize();
  return path;
}

TEST(YaraRulesTest, CompiledRulesTakeFileFactsAndDefinesTheyDeclared) {
  TempDir dir;
  std::string path =
      SaveCompiled(dir, "c.yarc", "rule C { condition: filename == \"plc.exe\" and level == 7 }");
  std::vector<YaraDefine> defines = {ParseYaraDefine("level=7").value(),
                                     ParseYaraDefine("unused=1").value()};
  auto rules = YaraRules::LoadCompiled(path, defines);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  auto scanner = YaraScanner::Create(*rules);
  ASSERT_TRUE(scanner.has_value());
  YaraFileFacts facts{"plc.exe", "/", ".exe", "UNKNOWN", ""};
  std::vector<YaraMatch> m;
  ASSERT_TRUE(scanner->Scan(Bytes("x"), true, &facts, &m).ok());
  ASSERT_THAT(RuleNames(m), ElementsAre("C"));
  EXPECT_EQ(m[0].source, path);  // not yarac's namespace "default"
}

TEST(YaraRulesTest, SourceTextIsNotCompiledRules) {
  TempDir dir;
  auto rules = YaraRules::LoadCompiled(dir.Write("s.yar", "rule S { condition: true }"), {});
  ASSERT_FALSE(rules.has_value());
  EXPECT_EQ(rules.error().code(), StatusCode::kInvalidArgument);
}

// ---- LoadEngines: the scan's --yara, --yara-define and --strict ----

EngineOptions YaraOnly(std::vector<std::string> yara) {
  EngineOptions options;
  options.include_builtin = false;
  options.yara_files = std::move(yara);
  return options;
}

TEST(LoadEnginesYaraTest, ADirectoryIsSearchedRecursivelyInSortedOrder) {
  TempDir dir;
  dir.Mkdir("rules");
  dir.Mkdir("rules/sub");
  dir.Write("rules/b.yar", "rule B { condition: true }");
  dir.Write("rules/sub/a.yara", "rule A { condition: true }");
  dir.Write("rules/README.md", "not rules {");
  SaveCompiled(dir, "rules/z.yarc", "rule Z { condition: true }");
  std::vector<sigdb::Diagnostic> diagnostics;
  auto engines = LoadEngines(YaraOnly({dir.File("rules")}), &diagnostics);
  ASSERT_TRUE(engines.has_value()) << engines.error().ToString();
  EXPECT_TRUE(diagnostics.empty());
  ASSERT_EQ(engines->yara.size(), 2u);  // the sources together, the compiled file alone
  auto scanner = YaraScanner::Create(engines->yara[0]);
  std::vector<YaraMatch> m;
  ASSERT_TRUE(scanner->Scan(Bytes("x"), true, &m).ok());
  EXPECT_THAT(RuleNames(m), ElementsAre("B", "A"));
  EXPECT_EQ(engines->yara[1]->compiled_path(), dir.File("rules/z.yarc"));
}

TEST(LoadEnginesYaraTest, AFileNamedTwiceIsCompiledOnce) {
  TempDir dir;
  dir.Mkdir("rules");
  std::string file = dir.Write("rules/b.yar", "rule B { condition: true }");
  std::vector<sigdb::Diagnostic> diagnostics;
  auto engines =
      LoadEngines(YaraOnly({dir.File("rules"), file, dir.File("rules/./b.yar")}), &diagnostics);
  ASSERT_TRUE(engines.has_value()) << engines.error().ToString();
  EXPECT_EQ(engines->yara_files_rejected, 0u);
}

TEST(LoadEnginesYaraTest, BadFilesAreDiagnosticsUnlessStrict) {
  TempDir dir;
  dir.Mkdir("rules");
  dir.Write("rules/good.yar", "rule G { condition: true }");
  dir.Write("rules/bad1.yar", "rule B1 { condition: md5 == \"\" }");
  dir.Write("rules/bad2.yar", "rule B2 {");
  std::vector<sigdb::Diagnostic> diagnostics;
  auto engines = LoadEngines(YaraOnly({dir.File("rules")}), &diagnostics);
  ASSERT_TRUE(engines.has_value()) << engines.error().ToString();
  EXPECT_EQ(engines->yara_files_rejected, 2u);
  ASSERT_EQ(diagnostics.size(), 2u);
  EXPECT_EQ(diagnostics[0].location, dir.File("rules/bad1.yar") + ":1");
  // libyara gives line 0 for a file that ends inside a rule.
  EXPECT_THAT(diagnostics[1].location, HasSubstr("bad2.yar:"));

  EngineOptions strict = YaraOnly({dir.File("rules")});
  strict.strict = true;
  diagnostics.clear();
  auto refused = LoadEngines(strict, &diagnostics);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.error().message()), HasSubstr("2 YARA rule file(s)"));
  EXPECT_EQ(diagnostics.size(), 2u);  // all listed in the one run
}

TEST(LoadEnginesYaraTest, NoRuleFileCompilingIsAnError) {
  TempDir dir;
  auto engines = LoadEngines(YaraOnly({dir.Write("only.yar", "rule X {")}), nullptr);
  ASSERT_FALSE(engines.has_value());
  EXPECT_THAT(std::string(engines.error().message()), HasSubstr("no YARA rule file compiles"));
  dir.Mkdir("empty");
  auto none = LoadEngines(YaraOnly({dir.File("empty")}), nullptr);
  ASSERT_FALSE(none.has_value());
  EXPECT_THAT(std::string(none.error().message()), HasSubstr("no *.yar"));
  auto missing = LoadEngines(YaraOnly({dir.File("nowhere.yar")}), nullptr);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST(LoadEnginesYaraTest, DefinesAreCheckedBeforeAnythingIsCompiled) {
  TempDir dir;
  EngineOptions options = YaraOnly({dir.Write("r.yar", "rule R { condition: site == \"a\" }")});
  options.yara_defines = {"site"};
  auto engines = LoadEngines(options, nullptr);
  ASSERT_FALSE(engines.has_value());
  EXPECT_THAT(std::string(engines.error().message()), HasSubstr("NAME=VALUE"));
  options.yara_defines = {"site=a"};
  EXPECT_TRUE(LoadEngines(options, nullptr).has_value());
  options.yara_files.clear();
  EXPECT_THAT(std::string(LoadEngines(options, nullptr).error().message()),
              HasSubstr("without --yara"));
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
