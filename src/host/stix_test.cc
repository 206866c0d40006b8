// STIX 2.1 import: the pattern grammar, each supported mapping, each unsupported construct
// reported with its text, and nothing dropped silently.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "host/stix_pattern.h"
#include "otguard/host/ioc.h"

namespace otguard::host {
namespace {

std::string ReadTestData(const std::string& name) {
  std::ifstream in(std::string(OTGUARD_SOURCE_DIR) + "/tests/data/stix/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  EXPECT_FALSE(out.str().empty()) << name;
  return out.str();
}

StixImport Import(const std::string& name) {
  auto result = ImportStixBundle(ReadTestData(name), name);
  EXPECT_TRUE(result.has_value()) << result.error().ToString();
  return result.value_or(StixImport{});
}

const Indicator* Find(const Pack& pack, const std::string& id) {
  for (const Indicator& i : pack.indicators) {
    if (i.id == id) return &i;
  }
  ADD_FAILURE() << "no indicator " << id;
  return nullptr;
}

using Strings = std::vector<std::string>;

// Every indicator object yields an imported indicator or an unsupported entry.
void ExpectNothingDropped(const std::string& json, const StixImport& import) {
  size_t seen = 0;
  for (size_t at = json.find("\"indicator--"); at != std::string::npos;
       at = json.find("\"indicator--", at + 1)) {
    const std::string id = json.substr(at + 1, json.find('"', at + 1) - at - 1);
    ++seen;
    bool imported = false, reported = false;
    for (const Indicator& i : import.pack.indicators) imported |= i.id.starts_with(id);
    for (const auto& u : import.unsupported) reported |= u.stix_id == id;
    EXPECT_TRUE(imported || reported) << id << " was dropped silently";
  }
  EXPECT_EQ(import.indicators_seen, seen);
}

// --- the grammar ---

TEST(StixPatternTest, ParsesTheWholeGrammar) {
  for (const char* pattern : {
           "[file:hashes.'SHA-256' = 'abc']",
           "[a:b = 1] AND [c:d = 2.5] OR [e:f = true] FOLLOWEDBY [g:h = false]",
           "[x:y[*].z = 'a' AND x:y[0] != b'AAAA' OR x:q = h'00ff']",
           "[x:t > t'2016-01-01T00:00:00Z' AND x:t <= t'2016-01-01T00:00:00.123Z']",
           "([a:b = 1] OR [c:d = 2]) WITHIN 5 SECONDS REPEATS 2 TIMES",
           "[a:b = 'x'] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'",
           "[a:b NOT IN ('x', 'y')]",
           "[EXISTS a:b.c]",
           "[a:b LIKE 'x%'] OR [a:b NOT MATCHES '^x$']",
           "[a:b ISSUBSET '1.0.0.0/8' AND a:b ISSUPERSET '1.2.0.0/16']",
           "[a:b = -5 AND a:c >= +7 AND a:d < -0.5]",
           "[a:b IN ()]",
           "[(a:b = 1 OR a:c = 2) AND a:d = 3]",
           "  [ network-traffic:dst_ref.value  =  '1.2.3.4' ]  ",
           "[x-custom-object:'key with spaces'.x_y = 'v']",
       }) {
    auto tree = stix::ParsePattern(pattern);
    EXPECT_TRUE(tree.has_value()) << pattern << ": " << tree.error().ToString();
  }
}

TEST(StixPatternTest, BuildsTheTree) {
  const std::string pattern =
      "[file:name = 'it\\'s \\\\ x' AND file:hashes.'SHA-256' = 'ab'] OR [a:b[*] IN (1, 2)] "
      "WITHIN 5 SECONDS";
  auto tree = stix::ParsePattern(pattern);
  ASSERT_TRUE(tree.has_value()) << tree.error().ToString();
  ASSERT_EQ(tree->kind, stix::ObservationExpr::Kind::kOr);
  ASSERT_EQ(tree->children.size(), 2u);
  const auto& first = tree->children[0].comparison;
  ASSERT_EQ(first.kind, stix::ComparisonExpr::Kind::kAnd);
  EXPECT_EQ(first.children[0].comparison.values[0].value, "it's \\ x");
  EXPECT_EQ(first.children[1].comparison.path.Property(), "hashes.SHA-256");
  const auto& c = first.children[1].comparison;
  EXPECT_EQ(pattern.substr(c.begin, c.end - c.begin), "file:hashes.'SHA-256' = 'ab'");
  const auto& second = tree->children[1];
  EXPECT_EQ(second.qualifiers, Strings{"WITHIN 5 SECONDS"});
  EXPECT_EQ(second.comparison.comparison.path.Property(), "b[*]");
  EXPECT_EQ(second.comparison.comparison.values.size(), 2u);
  EXPECT_EQ(pattern.substr(second.begin, second.end - second.begin),
            "[a:b[*] IN (1, 2)] WITHIN 5 SECONDS");
}

TEST(StixPatternTest, SyntaxErrorsSayWhere) {
  const std::map<std::string, std::string> kErrors = {
      {"", "syntax error at offset 0: expected '[' or '(', found 'end of pattern'"},
      {"[file:name = 'x'", "syntax error at offset 16: expected ']', found 'end of pattern'"},
      {"[file:name = 'x]", "syntax error at offset 13: unterminated quoted literal"},
      {"[file:name == 'x']", "syntax error at offset 12: expected a literal value, found '='"},
      {"[file:name = 'x'] AND",
       "syntax error at offset 21: expected '[' or '(', found 'end of pattern'"},
      {"[file name = 'x']",
       "syntax error at offset 6: expected ':' after the object type, found 'name'"},
      {"[file:name = 'a\\b']",
       "syntax error at offset 15: only \\' and \\\\ are escapes in a string literal"},
      {"[a:b = 1] WITHIN -5 SECONDS",
       "syntax error at offset 17: WITHIN needs a positive number of SECONDS"},
      {"[a:b = 1] REPEATS 2", "syntax error at offset 19: expected TIMES"},
      {"[a:b = h'abc']",
       "syntax error at offset 7: a hex literal needs an even number of hex digits"},
      {"[a:b = t'2016-01-01']",
       "syntax error at offset 7: a timestamp must be RFC 3339 UTC (t'2016-05-12T08:17:27Z')"},
      {"[a:b LIKE 5]", "syntax error at offset 5: LIKE needs a string literal"},
      {"[a:SHA-256 = 'x']",
       "syntax error at offset 3: a property name with '-' must be quoted ('SHA-256')"},
      {"[a:b[x] = 1]", "syntax error at offset 5: a list index is an integer or '*'"},
      {"[a:b = 1] [c:d = 2]", "syntax error at offset 10: unexpected '['"},
      {"[a:b = 1] OR", "syntax error at offset 12: expected '[' or '(', found 'end of pattern'"},
      {"[a:b = 1 AND]", "syntax error at offset 12: expected an object type, found ']'"},
      {"[a:b ~ 1]", "syntax error at offset 5: unexpected character '~'"},
      {"[a:b = 1.]", "syntax error at offset 7: a number cannot end with '.'"},
  };
  for (const auto& [pattern, error] : kErrors) {
    auto tree = stix::ParsePattern(pattern);
    ASSERT_FALSE(tree.has_value()) << pattern;
    EXPECT_EQ(tree.error().message(), error) << pattern;
  }
}

TEST(StixPatternTest, BoundsDepthAndLength) {
  std::string deep = std::string(100, '(') + "[a:b = 1]" + std::string(100, ')');
  auto tree = stix::ParsePattern(deep);
  ASSERT_FALSE(tree.has_value());
  EXPECT_EQ(tree.error().message(), "syntax error at offset 64: nested deeper than 64");
  std::string inner = "[" + std::string(100, '(') + "a:b = 1" + std::string(100, ')') + "]";
  EXPECT_FALSE(stix::ParsePattern(inner).has_value());
  std::string nested_ok = std::string(60, '(') + "[a:b = 1]" + std::string(60, ')');
  EXPECT_TRUE(stix::ParsePattern(nested_ok).has_value());
  std::string long_pattern = "[a:b = '" + std::string(stix::kMaxPatternBytes, 'x') + "']";
  EXPECT_FALSE(stix::ParsePattern(long_pattern).has_value());
}

// --- the mapping ---

TEST(StixImportTest, MapsEverySupportedComparison) {
  StixImport import = Import("supported.json");
  const Pack& pack = import.pack;
  EXPECT_EQ(import.indicators_seen, 8u);
  EXPECT_TRUE(import.unsupported.empty())
      << import.unsupported[0].part << ": " << import.unsupported[0].reason;
  EXPECT_EQ(pack.id, "stix");
  EXPECT_EQ(pack.name, "STIX bundle bundle--5d0092c5-5f74-4287-9642-33f4c354e56d");

  // OR of hashes: same-type alternatives merge, another type is its own indicator.
  const std::string id1 = "indicator--a1f2c3d4-0001-4c1e-9b8a-000000000001";
  const Indicator* md5 = Find(pack, id1);
  ASSERT_NE(md5, nullptr);
  EXPECT_EQ(md5->kind, IndicatorKind::kFile);
  EXPECT_EQ(md5->md5,
            (Strings{"011d6ce51b7806dca26c300e8d26f9bb", "42a12de5a2b8cff827407877dbd66b16"}));
  EXPECT_EQ(md5->title, "MsraMiner sample hashes");
  EXPECT_EQ(md5->severity, Severity::kHigh);
  EXPECT_EQ(md5->technique, "T0867");
  EXPECT_EQ(md5->references, (Strings{"https://cert.example.org/msraminer",
                                      "https://attack.mitre.org/techniques/T0867"}));
  const Indicator* sha256 = Find(pack, id1 + "-2");
  ASSERT_NE(sha256, nullptr);
  EXPECT_EQ(sha256->sha256,
            Strings{"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"});

  // file:name AND file:hashes: one indicator with both conditions; title from description.
  const Indicator* named = Find(pack, "indicator--a1f2c3d4-0002-4c1e-9b8a-000000000002");
  ASSERT_NE(named, nullptr);
  EXPECT_EQ(named->names, Strings{"snmpstorsrv.dll"});
  EXPECT_EQ(named->sha1, Strings{"da39a3ee5e6b4b0d3255bfef95601890afd80709"});
  EXPECT_EQ(named->title, "The v2 service DLL by name and hash");
  EXPECT_EQ(named->technique, "");

  const Indicator* domains = Find(pack, "indicator--a1f2c3d4-0003-4c1e-9b8a-000000000003");
  ASSERT_NE(domains, nullptr);
  EXPECT_EQ(domains->kind, IndicatorKind::kRemoteEndpoint);
  EXPECT_EQ(domains->domains,
            (Strings{"swt.njaavfxcgk3.club", "x1.sk0zda1rmzs.world", "xmr.pool.minergate.com"}));

  const Indicator* addresses = Find(pack, "indicator--a1f2c3d4-0004-4c1e-9b8a-000000000004");
  ASSERT_NE(addresses, nullptr);
  EXPECT_EQ(addresses->addresses,
            (Strings{"45.77.31.21", "45.76.0.0/16", "2001:db8::1", "198.51.100.0/24"}));

  const Indicator* endpoint = Find(pack, "indicator--a1f2c3d4-0005-4c1e-9b8a-000000000005");
  ASSERT_NE(endpoint, nullptr);
  EXPECT_EQ(endpoint->addresses, Strings{"45.32.110.163"});
  EXPECT_EQ(endpoint->ports, std::vector<uint16_t>{4431});
  EXPECT_EQ(endpoint->protocol, "tcp");

  // URLs: whole URLs in their normal form (no user part, lower-case host), never the host;
  // one-condition alternatives of the same condition merge.
  const Indicator* urls = Find(pack, "indicator--a1f2c3d4-0006-4c1e-9b8a-000000000006");
  ASSERT_NE(urls, nullptr);
  EXPECT_EQ(urls->kind, IndicatorKind::kRemoteEndpoint);
  EXPECT_EQ(urls->urls, (Strings{"http://45.32.48.160:4433/5b8c1d",
                                 "https://d1d1d1.ftbxedwakc.me:8443/a4c80e?x=1",
                                 "http://[2001:db8::2]:4431/f79e53"}));
  EXPECT_TRUE(urls->domains.empty() && urls->addresses.empty() && urls->ports.empty());

  const Indicator* expired = Find(pack, "indicator--a1f2c3d4-0007-4c1e-9b8a-000000000007");
  ASSERT_NE(expired, nullptr);
  EXPECT_EQ(expired->ports, std::vector<uint16_t>{45560});
  EXPECT_EQ(expired->title, "Old pool port [expired 2020-01-01T00:00:00Z]");

  const Indicator* names = Find(pack, "indicator--a1f2c3d4-0008-4c1e-9b8a-000000000008");
  ASSERT_NE(names, nullptr);
  EXPECT_EQ(names->names, (Strings{"TrustedHost*.exe", "dllhostex.exe", "TaskIndexer.exe"}));

  EXPECT_EQ(pack.indicators.size(), 9u);
  ExpectNothingDropped(ReadTestData("supported.json"), import);
}

TEST(StixImportTest, ImportedPackIsAValidPack) {
  StixImport import = Import("supported.json");
  std::string text = PackToToml(import.pack);
  auto again = ParsePack(text, import.pack.origin);
  ASSERT_TRUE(again.has_value()) << again.error().ToString() << "\n" << text;
  EXPECT_TRUE(*again == import.pack) << text;
}

TEST(StixImportTest, ReportsEveryUnsupportedPart) {
  StixImport import = Import("unsupported.json");
  struct Expected {
    std::string id_suffix, part, reason;
  };
  const Expected kExpected[] = {
      {"0001", "process:name MATCHES '^spoolsv\\\\.exe$'",
       "operator MATCHES is not supported here"},
      {"0002", "[file:name = 'NrsDataCache.tlb'] FOLLOWEDBY [network-traffic:dst_port = 45560]",
       "FOLLOWEDBY (a sequence of observations) cannot be expressed"},
      {"0003", "([network-traffic:dst_port = 445] REPEATS 5 TIMES WITHIN 300 SECONDS)",
       "qualifier REPEATS 5 TIMES cannot be expressed"},
      {"0004",
       "rule CoinMiner_WannaMine { strings: $a = \"Enables a common interface\" condition: $a }",
       "pattern_type 'yara' is not imported"},
      {"0005", "title: MsraMiner service", "pattern_type 'sigma' is not imported"},
      {"0006", "[file:name = 'x.exe' AND]",
       "syntax error at offset 24: expected an object type, found ']'"},
      {"0007", "[ipv4-addr:value = '45.77.11.148']",
       "revoked (version modified 2026-11-01T00:00:00.000Z): the indicator is withdrawn"},
      {"0008", "file:name = 'a.exe' AND ipv4-addr:value = '45.77.14.227'",
       "AND across file and ipv4-addr objects cannot be expressed (our indicators describe one "
       "object)"},
      {"0008", "file:name != 'b.exe'", "operator != is not supported here"},
      {"0008", "file:hashes.'SHA-512' = 'abcd'",
       "hash type SHA-512 is not supported (MD5, SHA-1, SHA-256)"},
      {"0008", "file:name = 'c.exe' AND file:name = 'd.exe'",
       "two values for one property joined by AND cannot be expressed"},
      {"0008", "file:name = 'e.exe' AND process:pid = 4",
       "property process:pid is not supported; the alternative ANDed with it is left out"},
      {"0008", "[file:name = 'f.exe'] AND [file:name = 'g.exe']",
       "AND between observations (objects seen together) cannot be expressed"},
      {"0008", "[file:size > 1000] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'",
       "qualifier START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z' cannot be expressed"},
  };
  for (const Expected& e : kExpected) {
    const std::string id = "indicator--b0000000-" + e.id_suffix + "-4000-8000-00000000" +
                           std::string(4 - e.id_suffix.size(), '0') + e.id_suffix;
    bool found = false;
    for (const auto& u : import.unsupported) {
      found |= u.stix_id == id && u.part == e.part && u.reason == e.reason;
    }
    EXPECT_TRUE(found) << id << ": " << e.part << " (" << e.reason << ")";
  }
  EXPECT_EQ(import.unsupported.size(), std::size(kExpected));
  // The expressible OR branches next to the unsupported ones are imported.
  ASSERT_EQ(import.pack.indicators.size(), 2u);
  EXPECT_EQ(import.pack.indicators[0].md5, Strings{"593c0352bda3fee2e0d56d63601fa632"});
  EXPECT_EQ(import.pack.indicators[1].domains, Strings{"p1.jdi1diejs.club"});
  ExpectNothingDropped(ReadTestData("unsupported.json"), import);
}

TEST(StixImportTest, RefusesWhatIsNotABundle) {
  auto not_bundle = ImportStixBundle(R"({"type": "report", "objects": []})", "x.json");
  ASSERT_FALSE(not_bundle.has_value());
  EXPECT_EQ(not_bundle.error().message(),
            "x.json: not a STIX bundle ({\"type\": \"bundle\", \"objects\": [...]}), TAXII "
            "envelope ({\"objects\": [...]}) or list of objects: its \"type\" is not \"bundle\"");
  auto not_json = ImportStixBundle("{\"type\": \"bundle\",\n \"objects\": [}", "y.json");
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(not_json.error().message().find("y.json: not JSON at byte "), std::string::npos);
  EXPECT_NE(not_json.error().message().find("line 2, column 14"), std::string::npos)
      << not_json.error().message();
  for (const char* bad : {"", "null", "5", "{\"type\": \"bundle\", \"objects\": {}}"}) {
    EXPECT_FALSE(ImportStixBundle(bad, "z").has_value()) << bad;
  }
  auto no_id = ImportStixBundle(
      "{\"type\": \"bundle\", \"objects\": [{\"type\": \"indicator\", \"pattern\": \"[a:b = "
      "1]\"}]}",
      "z.json");
  ASSERT_FALSE(no_id.has_value());
  EXPECT_EQ(no_id.error().message(), "z.json: objects[0]: indicator without a valid id");
}

TEST(StixImportTest, EmptyBundleAndOtherObjects) {
  auto empty = ImportStixBundle(R"({"type": "bundle", "id": "bundle--1", "objects": []})", "e");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->indicators_seen, 0u);
  EXPECT_TRUE(empty->pack.indicators.empty());
  auto others = ImportStixBundle(
      R"({"type": "bundle", "objects": [{"type": "malware", "id": "malware--1"}, 5, "x",
          {"type": "indicator", "id": "indicator--1", "pattern_type": "stix"}]})",
      "o");
  ASSERT_TRUE(others.has_value());
  EXPECT_EQ(others->indicators_seen, 1u);
  ASSERT_EQ(others->unsupported.size(), 1u);
  EXPECT_EQ(others->unsupported[0].reason, "no pattern");
}

TEST(StixImportTest, DuplicateVersionsImportOnce) {
  auto two = ImportStixBundle(
      R"({"type": "bundle", "objects": [
          {"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "pattern": "[ipv4-addr:value = '1.2.3.4']"},
          {"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "pattern": "[ipv4-addr:value = '1.2.3.5']"}]})",
      "d");
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->pack.indicators.size(), 1u);
  ASSERT_EQ(two->unsupported.size(), 1u);
  EXPECT_TRUE(ParsePack(PackToToml(two->pack), "d").has_value());
}

// A revoked object that claims the current version (the same modified, against the spec) still
// withdraws the indicator, and says so.
TEST(StixImportTest, ARevokedCopyOfTheCurrentVersionWithdrawsIt) {
  auto result = ImportStixBundle(
      R"([{"type": "indicator", "id": "indicator--1", "modified": "2024-05-01T00:00:00Z", "pattern": "[ipv4-addr:value = '192.0.2.7']"},
          {"type": "indicator", "id": "indicator--1", "modified": "2024-05-01T00:00:00.000Z", "revoked": true, "pattern": "[ipv4-addr:value = '192.0.2.7']"}])",
      "r");
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->pack.indicators.empty());
  ASSERT_EQ(result->unsupported.size(), 2u);
  EXPECT_EQ(result->unsupported[0].reason,
            "revoked (version modified 2024-05-01T00:00:00.000Z): the indicator is withdrawn");
  EXPECT_EQ(result->unsupported[1].part, "[ipv4-addr:value = '192.0.2.7']");
}

TEST(StixImportTest, LargeExpansionsAreReportedNotComputed) {
  // (a OR b) AND (c OR d) ... ten times: 1024 alternatives, over the limit.
  std::string pattern = "[";
  for (int i = 0; i < 10; ++i) {
    pattern += std::string(i ? " AND " : "") + "(file:name = 'a" + std::to_string(i) +
               "' OR file:name = 'b" + std::to_string(i) + "')";
  }
  pattern += "]";
  auto result = ImportStixBundle(
      R"({"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "pattern": ")" +
          pattern + "\"}]}",
      "l");
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->unsupported.size(), 1u);
  EXPECT_EQ(result->unsupported[0].reason,
            "more than 256 alternatives after expanding AND over OR");
}

}  // namespace
}  // namespace otguard::host
