// The streaming STIX container reader: the three containers as producers write them, keys in any
// order, what is skipped and what is refused, and a bundle far above the old 16 MiB limit read
// element by element with bounded read-ahead.
#include "host/stix_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace otguard::host::stix {
namespace {

using Json = nlohmann::json;

struct Read {
  Result<ReadSummary> summary;
  std::vector<Json> objects;
  std::vector<size_t> indexes;
};

Read ReadText(const std::string& text, const std::string& origin = "test.json") {
  std::istringstream in(text);
  Read read;
  read.summary = ReadObjects(in, origin, [&](Json&& object, size_t index) {
    read.objects.push_back(std::move(object));
    read.indexes.push_back(index);
    return Status::Ok();
  });
  return read;
}

std::string ErrorOf(const Read& read) {
  EXPECT_FALSE(read.summary.has_value());
  return read.summary.has_value() ? "" : std::string(read.summary.error().message());
}

std::string ReadTestData(const std::string& name) {
  std::ifstream in(std::string(OTGUARD_SOURCE_DIR) + "/tests/data/stix/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  EXPECT_FALSE(out.str().empty()) << name;
  return out.str();
}

// A MISP STIX 2.1 export of an event with an ip-dst attribute (to_ids), in the shape
// MISP/misp-stix documents in documentation/misp_events_to_stix21.md: identity, the event as a
// report, the attribute as an indicator in MISP's network-traffic form, a TLP marking.
constexpr const char* kMispBundle = R"({
  "type": "bundle",
  "id": "bundle--60be01f8-9e95-48d2-a1b6-f70ca27857cf",
  "objects": [
    {"type": "identity", "spec_version": "2.1",
     "id": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
     "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
     "name": "MISP-Project", "identity_class": "organization"},
    {"type": "report", "spec_version": "2.1",
     "id": "report--a6ef17d6-91cb-4a05-b10b-2f045daf874c",
     "created_by_ref": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
     "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
     "name": "MISP-STIX-Converter test event", "published": "2020-10-25T16:22:00Z",
     "object_refs": ["indicator--91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f"],
     "labels": ["Threat-Report", "misp:tool=\"MISP-STIX-Converter\""],
     "object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]},
    {"type": "indicator", "spec_version": "2.1",
     "id": "indicator--91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f",
     "created_by_ref": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
     "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
     "description": "Destination test attribute",
     "pattern": "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '5.6.7.8']",
     "pattern_type": "stix", "pattern_version": "2.1", "valid_from": "2020-10-25T16:22:00Z",
     "kill_chain_phases": [{"kill_chain_name": "misp-category", "phase_name": "Network activity"}],
     "labels": ["misp:type=\"ip-dst\"", "misp:category=\"Network activity\"", "misp:to_ids=\"True\""]},
    {"type": "marking-definition", "spec_version": "2.1",
     "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
     "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:WHITE",
     "definition": {"tlp": "white"}}
  ]
})";

// A TAXII 2.1 "Get Objects" response, written from the envelope example of OASIS TAXII 2.1
// (section 3.7): no "type", "more" and "next" beside "objects".
constexpr const char* kTaxiiEnvelope = R"({
  "more": true,
  "next": "d3dc6a35-8f35-4c4c-9fbb-1c4c7a1e7e1d",
  "objects": [
    {"type": "indicator", "spec_version": "2.1",
     "id": "indicator--252c7c11-daf2-42bd-843b-be65edca9f61",
     "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
     "indicator_types": ["malicious-activity"], "name": "Poison Ivy Malware",
     "description": "This file is part of Poison Ivy",
     "pattern": "[ file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877' ]",
     "pattern_type": "stix", "valid_from": "2016-01-01T00:00:00Z"},
    {"type": "malware", "spec_version": "2.1",
     "id": "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111",
     "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z",
     "name": "Poison Ivy", "malware_types": ["remote-access-trojan"], "is_family": true}
  ]
})";

TEST(StixReaderTest, ReadsAMispBundleInFileOrder) {
  Read read = ReadText(kMispBundle);
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->container, Container::kBundle);
  EXPECT_EQ(read.summary->bundle_id, "bundle--60be01f8-9e95-48d2-a1b6-f70ca27857cf");
  EXPECT_EQ(read.summary->spec_version, "");
  EXPECT_EQ(read.summary->objects, 4u);
  EXPECT_EQ(read.summary->skipped, 0u);
  EXPECT_EQ(read.summary->bytes, std::string(kMispBundle).size());
  // Each element is the whole object, as parsing the file in one go gives it.
  const Json whole = Json::parse(kMispBundle);
  ASSERT_EQ(read.objects.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(read.objects[i], whole["objects"][i]) << i;
    EXPECT_EQ(read.indexes[i], i);
  }
  EXPECT_EQ(read.objects[2]["pattern"],
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
            "'5.6.7.8']");
  EXPECT_EQ(read.objects[3]["definition"]["tlp"], "white");
}

TEST(StixReaderTest, EveryObjectOfTheRepositoryBundlesMatchesAOneGoParse) {
  for (const char* name : {"supported.json", "unsupported.json"}) {
    const std::string text = ReadTestData(name);
    Read read = ReadText(text, name);
    ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
    const Json whole = Json::parse(text);
    EXPECT_EQ(read.summary->bundle_id, whole["id"]);
    ASSERT_EQ(read.objects.size(), whole["objects"].size()) << name;
    for (size_t i = 0; i < read.objects.size(); ++i) {
      EXPECT_EQ(read.objects[i], whole["objects"][i]) << name << " " << i;
    }
  }
}

TEST(StixReaderTest, ReadsATaxiiEnvelope) {
  Read read = ReadText(kTaxiiEnvelope);
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->container, Container::kEnvelope);
  EXPECT_EQ(read.summary->bundle_id, "");
  EXPECT_EQ(read.summary->objects, 2u);
  ASSERT_EQ(read.objects.size(), 2u);
  EXPECT_EQ(read.objects[0]["id"], "indicator--252c7c11-daf2-42bd-843b-be65edca9f61");
  EXPECT_EQ(read.objects[1]["is_family"], true);
}

TEST(StixReaderTest, AnEmptyEnvelopeMayOmitObjects) {
  // TAXII 2.1: "objects" is optional; an empty page is {"more": false}.
  Read read = ReadText(R"({"more": false})");
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->container, Container::kEnvelope);
  EXPECT_EQ(read.summary->objects, 0u);
}

TEST(StixReaderTest, ReadsABareListOfObjects) {
  const Json whole = Json::parse(kTaxiiEnvelope);
  Read read = ReadText(whole["objects"].dump(2));
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->container, Container::kList);
  EXPECT_EQ(read.summary->objects, 2u);
  ASSERT_EQ(read.objects.size(), 2u);
  EXPECT_EQ(read.objects[0], whole["objects"][0]);
  EXPECT_EQ(read.objects[1], whole["objects"][1]);
}

TEST(StixReaderTest, TopLevelKeysComeInAnyOrder) {
  // Producers that serialise a dictionary unordered put "objects" first; a STIX 2.0 bundle
  // carries "spec_version" (OASIS's Poison Ivy 2.0 bundle has it after "objects").
  Read read = ReadText(R"({"objects": [{"type": "indicator", "id": "indicator--1"}],
    "x_opencti_note": {"nested": [1, 2, {"a": "b"}]}, "spec_version": "2.0",
    "id": "bundle--ac946f1d-6a0e-4a9d-bc83-3f1f3bfda6ba", "type": "bundle"})");
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->container, Container::kBundle);
  EXPECT_EQ(read.summary->bundle_id, "bundle--ac946f1d-6a0e-4a9d-bc83-3f1f3bfda6ba");
  EXPECT_EQ(read.summary->spec_version, "2.0");
  ASSERT_EQ(read.objects.size(), 1u);
  EXPECT_EQ(read.objects[0], Json::parse(R"({"type": "indicator", "id": "indicator--1"})"));
}

TEST(StixReaderTest, AnEmptyBundleHasNoObjectsKey) {
  // STIX 2.1 makes "objects" optional in a bundle.
  Read read = ReadText(R"({"type": "bundle", "id": "bundle--1"})");
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->container, Container::kBundle);
  EXPECT_EQ(read.summary->objects, 0u);
}

TEST(StixReaderTest, ElementsThatAreNotObjectsAreCountedAndSkipped) {
  Read read = ReadText(R"({"type": "bundle", "objects": [
    {"type": "indicator", "id": "indicator--1"}, "indicator--2", 3, null, [{"type": "x"}],
    {"type": "indicator", "id": "indicator--6"}]})");
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->objects, 6u);
  EXPECT_EQ(read.summary->skipped, 4u);
  ASSERT_EQ(read.objects.size(), 2u);
  EXPECT_EQ(read.objects[1]["id"], "indicator--6");
  // The index is the element's place in the file, so a message about it points at the right one.
  EXPECT_EQ(read.indexes, (std::vector<size_t>{0, 5}));
}

TEST(StixReaderTest, ValuesKeepTheirTypes) {
  Read read = ReadText(
      R"([{"i": -3, "u": 18446744073709551615, "f": 2.5, "t": true, "n": null, "s": "\u00e9\"",
           "a": [], "o": {}, "dup": 1, "dup": 2}])");
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  ASSERT_EQ(read.objects.size(), 1u);
  const Json& o = read.objects[0];
  EXPECT_TRUE(o["i"].is_number_integer() && o["i"] == -3);
  EXPECT_TRUE(o["u"].is_number_unsigned() && o["u"] == 18446744073709551615u);
  EXPECT_TRUE(o["f"].is_number_float() && o["f"] == 2.5);
  EXPECT_EQ(o["t"], true);
  EXPECT_TRUE(o["n"].is_null());
  EXPECT_EQ(o["s"], "\xc3\xa9\"");
  EXPECT_TRUE(o["a"].is_array() && o["a"].empty());
  EXPECT_TRUE(o["o"].is_object() && o["o"].empty());
  EXPECT_EQ(o["dup"], 2);  // as Json::parse: the last of a repeated key wins
}

TEST(StixReaderTest, AByteOrderMarkIsAccepted) {
  // Windows tools save JSON with a UTF-8 BOM.
  Read read = ReadText("\xef\xbb\xbf[{\"type\": \"indicator\"}]");
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.objects.size(), 1u);
}

TEST(StixReaderTest, TruncatedJsonIsRefusedWithItsPosition) {
  const std::string text = std::string(kMispBundle).substr(0, 700);
  Read read = ReadText(text, "export.json");
  const std::string error = ErrorOf(read);
  EXPECT_TRUE(error.starts_with("export.json: not JSON at byte 700: ")) << error;
  EXPECT_NE(error.find("unexpected end of input"), std::string::npos) << error;
  EXPECT_EQ(read.summary.error().code(), StatusCode::kInvalidArgument);
}

TEST(StixReaderTest, GarbageIsRefused) {
  EXPECT_TRUE(ErrorOf(ReadText("<html>", "f")).starts_with("f: not JSON at byte 1: ")) << "html";
  EXPECT_TRUE(ErrorOf(ReadText("", "f")).starts_with("f: not JSON at byte 0: ")) << "empty";
  EXPECT_TRUE(ErrorOf(ReadText("[{}] x", "f")).starts_with("f: not JSON at byte 6: ")) << "tail";
  EXPECT_TRUE(ErrorOf(ReadText("[{\"a\": \"\xff\"}]", "f")).starts_with("f: not JSON at byte "))
      << "invalid UTF-8";
  // The JSON lexer stops at a NUL byte as at the end of the file: what follows would be ignored.
  EXPECT_EQ(ErrorOf(ReadText(std::string("[{}]\0[{\"x\": 1}]", 13), "f")),
            "f: not JSON at byte 4: a NUL byte after the JSON value");
}

TEST(StixReaderTest, AStreamThatCannotBeReadIsAnIoError) {
  std::ifstream missing("/nonexistent/otguard/bundle.json", std::ios::binary);
  auto result = ReadObjects(missing, "bundle.json", [](Json&&, size_t) { return Status::Ok(); });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), StatusCode::kIoError);
  EXPECT_TRUE(result.error().message().starts_with("bundle.json: cannot read"));
}

// TAXII 2.1 (5.3): every envelope property is optional; OASIS's medallion answers "{}" for a
// page without objects.
TEST(StixReaderTest, AnEmptyObjectIsAnEmptyEnvelope) {
  auto read = ReadText("{}", "f");
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.summary->container, Container::kEnvelope);
  EXPECT_EQ(read.summary->objects, 0u);
}

TEST(StixReaderTest, OtherJsonIsNotAContainer) {
  for (const char* text : {R"({"type": "indicator", "id": "indicator--1", "pattern": "[a:b = 1]"})",
                           R"({"type": 7, "objects": []})", R"(42)", R"("bundle")"}) {
    const std::string error = ErrorOf(ReadText(text, "f"));
    EXPECT_TRUE(error.starts_with("f: not a STIX bundle")) << text << " -> " << error;
  }
  EXPECT_EQ(ErrorOf(ReadText(R"({"type": "bundle", "objects": {"a": 1}})", "f")),
            "f: \"objects\" is an object, not a list at byte 31");
  EXPECT_EQ(ErrorOf(ReadText(R"({"type": "bundle", "objects": "x"})", "f")),
            "f: \"objects\" is a string, not a list");
}

TEST(StixReaderTest, ARepeatedObjectsKeyIsRefused) {
  // Which list is meant is ambiguous; one-go parsers keep the last, a stream has read the first.
  const std::string error =
      ErrorOf(ReadText(R"({"type": "bundle", "objects": [{}], "objects": [{}]})", "f"));
  EXPECT_TRUE(error.starts_with("f: the top-level key \"objects\" appears twice")) << error;
}

TEST(StixReaderTest, AnObjectOverTheLimitIsRefused) {
  // One string of 17 MiB in the third object.
  std::string text = R"({"type": "bundle", "objects": [{"a": 1}, {"b": 2}, {"description": ")";
  text.append(17u << 20, 'x');
  text += "\"}, {\"c\": 3}]}";
  Read read = ReadText(text, "big.json");
  const std::string error = ErrorOf(read);
  EXPECT_TRUE(error.starts_with("big.json: object 2 is larger than 16 MiB at byte ")) << error;
  EXPECT_EQ(read.objects.size(), 2u);
}

TEST(StixReaderTest, AnObjectOfManySmallValuesIsMeasuredInMemory) {
  // 3 MiB of text, but 1.5 million values: about 24 MiB once parsed.
  std::string text = R"([{"object_refs": [0)";
  for (int i = 0; i < 1'500'000; ++i) text += ",0";
  text += "]}]";
  const std::string error = ErrorOf(ReadText(text, "refs.json"));
  EXPECT_TRUE(error.starts_with("refs.json: object 0 is larger than 16 MiB")) << error;
}

TEST(StixReaderTest, AnObjectJustUnderTheLimitIsRead) {
  std::string text = R"([{"description": ")";
  text.append(15u << 20, 'x');
  text += "\"}]";
  Read read = ReadText(text);
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  ASSERT_EQ(read.objects.size(), 1u);
  EXPECT_EQ(read.objects[0]["description"].get_ref<const std::string&>().size(), 15u << 20);
}

TEST(StixReaderTest, AHugeTokenInASkippedValueIsRefused) {
  // A top-level value that is not kept still passes through the JSON lexer whole.
  std::string text = R"({"type": "bundle", "x_padding": ")";
  text.append(17u << 20, ' ');
  text += "\", \"objects\": []}";
  const std::string error = ErrorOf(ReadText(text, "pad.json"));
  EXPECT_TRUE(error.starts_with("pad.json: a single JSON token")) << error;
}

TEST(StixReaderTest, ANestingBombIsRefusedWherever) {
  const size_t bomb = 1'000'000;
  const std::string inside_element = "[{\"a\":" + std::string(bomb, '[');
  const std::string in_skipped_key = "{\"x_custom\":" + std::string(bomb, '[') + "}";
  const std::string as_elements = "{\"objects\":" + std::string(bomb, '[');
  for (const std::string* text : {&inside_element, &in_skipped_key, &as_elements}) {
    const std::string error = ErrorOf(ReadText(*text, "bomb.json"));
    EXPECT_TRUE(error.starts_with("bomb.json: nesting deeper than 256 levels at byte ")) << error;
  }
  // 256 levels are fine.
  std::string deep = "[{\"a\":" + std::string(254, '[') + std::string(254, ']') + "}]";
  Read read = ReadText(deep);
  ASSERT_TRUE(read.summary.has_value()) << read.summary.error().ToString();
  EXPECT_EQ(read.objects.size(), 1u);
  // 257 are not.
  deep = "[{\"a\":" + std::string(255, '[') + std::string(255, ']') + "}]";
  EXPECT_TRUE(ErrorOf(ReadText(deep, "f")).starts_with("f: nesting deeper than 256 levels"));
}

TEST(StixReaderTest, AnErrorFromTheCallerStopsTheRead) {
  std::istringstream in(kMispBundle);
  std::vector<std::string> seen;
  auto result = ReadObjects(in, "misp.json", [&](Json&& object, size_t index) {
    seen.push_back(object["type"]);
    if (object["type"] == "indicator") {
      return ResourceExhausted("indicator " + std::to_string(index) + ": too many");
    }
    return Status::Ok();
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), ResourceExhausted("indicator 2: too many"));
  EXPECT_EQ(seen, (std::vector<std::string>{"identity", "report", "indicator"}));
}

// A MISP-like export of `count` indicators with the pattern forms MISP writes. Returns where each
// object ends in the file.
std::vector<std::streamoff> WriteLargeBundle(const std::string& path, size_t count) {
  std::vector<std::streamoff> ends;
  std::ofstream out(path, std::ios::binary);
  out << "{\"type\": \"bundle\", \"objects\": [\n";
  for (size_t i = 0; i < count; ++i) {
    Json indicator = {
        {"type", "indicator"},
        {"spec_version", "2.1"},
        {"id", "indicator--00000000-0000-4000-8000-" + std::to_string(100000000000 + i)},
        {"created", "2024-05-01T10:00:00.000Z"},
        {"modified", "2024-05-01T10:00:00.000Z"},
        {"pattern_type", "stix"},
        {"pattern_version", "2.1"},
        {"valid_from", "2024-05-01T10:00:00Z"},
        {"labels", {"misp:category=\"Network activity\"", "misp:to_ids=\"True\""}},
    };
    indicator["pattern"] = i % 2 ? "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                                   "network-traffic:dst_ref.value = '10.1." +
                                       std::to_string(i / 256 % 256) + "." +
                                       std::to_string(i % 256) + "']"
                                 : "[file:hashes.MD5 = '" + std::string(32, 'a' + i % 6) + "']";
    out << (i ? ",\n" : "") << indicator.dump();
    ends.push_back(out.tellp());
  }
  out << "\n], \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\"}\n";
  return ends;
}

TEST(StixReaderTest, ABundleFarAboveSixteenMibStreams) {
  testutil::TempDir dir;
  const std::string path = dir.File("misp-export.json");
  const size_t count = 60'000;
  const std::vector<std::streamoff> ends = WriteLargeBundle(path, count);
  const auto file_size = std::filesystem::file_size(path);
  ASSERT_GT(file_size, 20u << 20);

  std::ifstream in(path, std::ios::binary);
  size_t delivered = 0, largest = 0;
  std::streamoff most_ahead = 0;
  auto result = ReadObjects(in, path, [&](Json&& object, size_t index) {
    EXPECT_EQ(index, delivered);
    ++delivered;
    largest = std::max(largest, object.dump().size());
    // Streaming: when an object arrives, the reader has taken from the file what lies before its
    // end plus at most one read-ahead chunk, never the rest of the file.
    most_ahead = std::max(most_ahead, std::streamoff(in.tellg()) - ends.at(index));
    return Status::Ok();
  });
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->objects, count);
  EXPECT_EQ(delivered, count);
  EXPECT_EQ(result->bytes, file_size);
  EXPECT_EQ(result->bundle_id, "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d");
  EXPECT_LT(largest, 600u);  // each object is one indicator, nothing accumulates
  EXPECT_GT(most_ahead, 0);
  EXPECT_LE(most_ahead, 64 * 1024);
}

}  // namespace
}  // namespace otguard::host::stix
