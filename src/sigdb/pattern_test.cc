// Body matching, construct by construct, with positive and negative cases. The expected
// results were checked against clamscan 1.4 (--allmatch) on the same signatures and bytes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <set>
#include <string>

#include "otguard/sigdb/database.h"
#include "sigdb/pattern.h"

namespace otguard::sigdb {
namespace {

std::string Hex(std::string_view s) {
  return HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// Compiles one .ndb text strictly and returns the names of the signatures matching `data`.
std::set<std::string> Match(const std::string& ndb, std::string_view data,
                            const ExecutableLayout* layout = nullptr,
                            MatchMode mode = MatchMode::kAll) {
  std::vector<SourceText> src = {{"t.ndb", ndb}};
  std::vector<Diagnostic> diags;
  auto db = Database::CompileText(src, {.strict = true, .include_builtin = false}, &diags);
  EXPECT_TRUE(db.has_value()) << (diags.empty() ? "" : diags[0].message);
  if (!db) return {};
  std::vector<Detection> out;
  (*db)->MatchBody(ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size()), layout,
                   mode, &out);
  std::set<std::string> names;
  for (const auto& d : out) {
    EXPECT_EQ(d.kind, Detection::Kind::kBody);
    EXPECT_TRUE(names.insert(d.name).second) << "reported twice: " << d.name;
  }
  return names;
}

bool Matches(const std::string& offset_and_hex, std::string_view data,
             const ExecutableLayout* layout = nullptr, int target = 0) {
  return Match("S:" + std::to_string(target) + ":" + offset_and_hex + "\n", data, layout)
             .count("S") == 1;
}

// "HELLO" 11 22 33 "WORLD" at offset 100 of a 163-byte file, as in the clamscan checks.
const std::string kB = std::string(100, '\0') + "HELLO\x11\x22\x33WORLD" + std::string(50, '\0');
const std::string kC = "HELLOHELLOxxWORLD";
const std::string kAlpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

TEST(BodyMatch, ExactAndCase) {
  EXPECT_TRUE(Matches("*:" + Hex("HELLO"), kB));
  EXPECT_TRUE(Matches("*:48454C4C4F", kB));
  EXPECT_FALSE(Matches("*:" + Hex("HELLP"), kB));
  EXPECT_FALSE(Matches("*:" + Hex("HELLO"), ""));
}

TEST(BodyMatch, Wildcards) {
  EXPECT_TRUE(Matches("*:" + Hex("HELL") + "4?1?", kB));
  EXPECT_TRUE(Matches("*:" + Hex("HELL") + "?f?1", kB));
  EXPECT_FALSE(Matches("*:" + Hex("HELL") + "?e", kB));
  EXPECT_FALSE(Matches("*:" + Hex("HELL") + "5?", kB));
  EXPECT_TRUE(Matches("*:??" + Hex("HELLO"), kB));
  EXPECT_TRUE(Matches("*:" + Hex("HELLO") + "??", kB));
  EXPECT_TRUE(Matches("*:4845??4c", kB));
  // Leading and trailing wildcards must fit inside the file.
  EXPECT_TRUE(Matches("*:??????" + Hex("WORLD"), "xxxWORLD"));
  EXPECT_FALSE(Matches("*:????????" + Hex("WORLD"), "xxxWORLD"));
  EXPECT_FALSE(Matches("*:" + Hex("WORLD") + "??", "xxxWORLD"));
}

TEST(BodyMatch, StarGap) {
  EXPECT_TRUE(Matches("*:" + Hex("HELLO") + "*" + Hex("WORLD"), kB));
  EXPECT_FALSE(Matches("*:" + Hex("WORLD") + "*" + Hex("HELLO"), kB));
  // Parts never overlap: LLO inside HELLO does not count as the second part.
  EXPECT_FALSE(Matches("*:" + Hex("HELLO") + "*" + Hex("LLO"), kB));
  EXPECT_TRUE(Matches("*:" + Hex("01") + "*" + Hex("89") + "*" + Hex("AB"), kAlpha));
  EXPECT_TRUE(Matches("*:" + Hex("LLO") + "*" + Hex("LLO") + "*" + Hex("WORLD"), kC));
  EXPECT_FALSE(
      Matches("*:" + Hex("LLO") + "*" + Hex("LLO") + "*" + Hex("LLO") + "*" + Hex("WORLD"), kC));
}

TEST(BodyMatch, CountedGaps) {
  const std::string h = Hex("HELLO"), w = Hex("WORLD");
  EXPECT_TRUE(Matches("*:" + h + "{3}" + w, kB));
  EXPECT_FALSE(Matches("*:" + h + "{2}" + w, kB));
  EXPECT_FALSE(Matches("*:" + h + "{4}" + w, kB));
  EXPECT_TRUE(Matches("*:" + h + "{2-4}" + w, kB));
  EXPECT_FALSE(Matches("*:" + h + "{4-5}" + w, kB));
  EXPECT_TRUE(Matches("*:" + h + "{-3}" + w, kB));
  EXPECT_FALSE(Matches("*:" + h + "{-2}" + w, kB));
  EXPECT_TRUE(Matches("*:" + h + "{3-}" + w, kB));
  EXPECT_FALSE(Matches("*:" + h + "{4-}" + w, kB));
  EXPECT_TRUE(Matches("*:" + Hex("HE") + "4c{1-1000}" + w, kB));
  EXPECT_TRUE(Matches("*:" + h + "{0}" + h, kC));
  EXPECT_FALSE(Matches("*:" + h + "{2-3}" + h, kC));
  // The second HELLO (offset 5) is the one that fits the gap.
  EXPECT_TRUE(Matches("*:" + h + "{7}" + w, kC));
  EXPECT_TRUE(Matches("*:" + h + "{2}" + w, kC));
  EXPECT_TRUE(Matches("*:{3}" + w, "xxxWORLD"));
  EXPECT_FALSE(Matches("*:{4}" + w, "xxxWORLD"));
}

TEST(BodyMatch, Alternatives) {
  const std::string h = Hex("HELLO");
  EXPECT_TRUE(Matches("*:" + h + "(11|22)2233", kB));
  EXPECT_FALSE(Matches("*:" + h + "(12|22)2233", kB));
  EXPECT_TRUE(Matches("*:" + h + "(10|11|12)22", kB));
  EXPECT_TRUE(Matches("*:" + h + "(11)2233", kB));
  // Negation: any bytes except the listed ones.
  EXPECT_FALSE(Matches("*:" + h + "!(11|22)2233", kB));
  EXPECT_TRUE(Matches("*:" + h + "!(12|22)2233", kB));
  EXPECT_TRUE(Matches("*:" + h + "!(12)2233", kB));
  // Generic alternatives: different lengths, nibbles, fixed gaps.
  EXPECT_TRUE(Matches("*:" + h + "(11|1122)33", kB));
  EXPECT_FALSE(Matches("*:" + h + "(11|1123)33", kB));
  EXPECT_TRUE(Matches("*:" + h + "(1?|22)2233", kB));
  EXPECT_TRUE(Matches("*:" + h + "(1?|33)22", kB));
  EXPECT_TRUE(Matches("*:" + h + "(11|{2})33", kB));
  EXPECT_TRUE(Matches("*:" + h + "*(57|58)4f524c44", kB));
  EXPECT_TRUE(Matches("*:" + h + "{3}(57|58)4f524c44", kB));
  EXPECT_FALSE(Matches("*:" + h + "{3}(56|58)4f524c44", kB));
  EXPECT_TRUE(Matches("*:(4845|4c4c)4c4c", kB));
  EXPECT_FALSE(Matches("*:4c4c(4845|4c4c)", kB));
}

TEST(BodyMatch, AbsoluteAndEofOffsets) {
  const std::string h = Hex("HELLO");
  EXPECT_TRUE(Matches("100:" + h, kB));
  EXPECT_FALSE(Matches("101:" + h, kB));
  EXPECT_FALSE(Matches("99:" + h, kB));
  EXPECT_TRUE(Matches("90,10:" + h, kB));
  EXPECT_FALSE(Matches("90,9:" + h, kB));
  EXPECT_TRUE(Matches("EOF-63:" + h, kB));
  EXPECT_FALSE(Matches("EOF-62:" + h, kB));
  EXPECT_FALSE(Matches("EOF-1000:" + h, kB));
  EXPECT_TRUE(Matches("0:" + h + "{7}" + Hex("WORLD"), kC));
  EXPECT_TRUE(Matches("5:" + h + "*" + Hex("WORLD"), kC));
  EXPECT_TRUE(Matches("1,4:" + h + "*" + Hex("WORLD"), kC));
  EXPECT_FALSE(Matches("1,3:" + h, kC));
  EXPECT_TRUE(Matches("0:{3}" + Hex("WORLD"), "xxxWORLD"));
  EXPECT_FALSE(Matches("3:{3}" + Hex("WORLD"), "xxxWORLD"));
}

// The layout of the synthetic PE used against clamscan: three 0x200-byte sections at
// 0x200, 0x400, 0x600, entry point at file offset 0x500, overlay after 0x800.
std::string PeBytes() {
  std::string b(0x900, '\0');
  auto put = [&](size_t off, std::string_view s) { b.replace(off, s.size(), s); };
  put(0, "MZ");
  put(0x200, "SEC0MARK");
  put(0x400, "SEC1MARK");
  put(0x600, "SEC2MARK");
  put(0x700, "INSIDE2X");
  put(0x500, "EPMARKER");
  put(0x510, "SHIFTED!");
  put(0x5FC, "CROSSING");
  put(0x880, "OVERLAYX");
  put(0x3F8, "ENDSEC0X");
  return b;
}

ExecutableLayout PeLayout() {
  ExecutableLayout l;
  l.entry_point = 0x500;
  l.sections = {{0x200, 0x200}, {0x400, 0x200}, {0x600, 0x200}};
  return l;
}

TEST(BodyMatch, EntryPointOffsets) {
  const std::string pe = PeBytes();
  const ExecutableLayout l = PeLayout();
  EXPECT_TRUE(Matches("EP+0:" + Hex("EPMARKER"), pe, &l, 1));
  EXPECT_TRUE(Matches("EP+2:" + Hex("MARKER"), pe, &l, 1));
  EXPECT_FALSE(Matches("EP+1:" + Hex("MARKER"), pe, &l, 1));
  EXPECT_TRUE(Matches("EP-256:" + Hex("SEC1MARK"), pe, &l, 1));
  EXPECT_TRUE(Matches("EP+0,16:" + Hex("SHIFTED!"), pe, &l, 1));
  EXPECT_FALSE(Matches("EP+0,15:" + Hex("SHIFTED!"), pe, &l, 1));
  EXPECT_TRUE(Matches("EP+0:" + Hex("EPMARKER") + "*" + Hex("SHIFTED!"), pe, &l, 1));
  EXPECT_FALSE(Matches("EP+4000:" + Hex("EPMARKER"), pe, &l, 1));
  EXPECT_FALSE(Matches("EP-5000:" + Hex("MZ") + "0000", pe, &l, 1));
}

TEST(BodyMatch, SectionOffsets) {
  const std::string pe = PeBytes();
  const ExecutableLayout l = PeLayout();
  EXPECT_TRUE(Matches("S0+0:" + Hex("SEC0MARK"), pe, &l, 1));
  EXPECT_TRUE(Matches("S1+0:" + Hex("SEC1MARK"), pe, &l, 1));
  EXPECT_FALSE(Matches("S1+0:" + Hex("SEC0MARK"), pe, &l, 1));
  EXPECT_TRUE(Matches("S2+256:" + Hex("INSIDE2X"), pe, &l, 1));
  EXPECT_FALSE(Matches("S9+0:" + Hex("SEC0MARK"), pe, &l, 1));
  EXPECT_TRUE(Matches("SL+256:" + Hex("INSIDE2X"), pe, &l, 1));
  EXPECT_FALSE(Matches("SL+0:" + Hex("SEC1MARK"), pe, &l, 1));
  EXPECT_TRUE(Matches("SL+0,512:" + Hex("INSIDE2X"), pe, &l, 1));
  EXPECT_FALSE(Matches("S1+0,8:" + Hex("EPMARKER"), pe, &l, 1));
  EXPECT_TRUE(Matches("S1+250,6:" + Hex("EPMARKER"), pe, &l, 1));
  // SEx: the match starts anywhere from the section's start to its end (inclusive), and may
  // run past it; `,n` extends the window.
  EXPECT_TRUE(Matches("SE2:" + Hex("INSIDE2X"), pe, &l, 1));
  EXPECT_FALSE(Matches("SE1:" + Hex("INSIDE2X"), pe, &l, 1));
  EXPECT_TRUE(Matches("SE0:" + Hex("SEC1MARK"), pe, &l, 1));
  EXPECT_TRUE(Matches("SE1:" + Hex("CROSSING"), pe, &l, 1));
  EXPECT_TRUE(Matches("SE0:" + Hex("ENDSEC0X"), pe, &l, 1));
  EXPECT_FALSE(Matches("SE0,255:" + Hex("EPMARKER"), pe, &l, 1));
  EXPECT_TRUE(Matches("SE0,256:" + Hex("EPMARKER"), pe, &l, 1));
}

TEST(BodyMatch, TargetsAndInvalidEntryPoint) {
  const std::string pe = PeBytes();
  const ExecutableLayout l = PeLayout();
  EXPECT_TRUE(Matches("*:" + Hex("OVERLAYX"), pe, &l, 1));
  EXPECT_FALSE(Matches("*:" + Hex("OVERLAYX"), pe, nullptr, 1));  // not a PE
  EXPECT_TRUE(Matches("*:" + Hex("EPMARKER"), pe, &l, 0));        // target 0 on a PE
  EXPECT_TRUE(Matches("EOF-128:" + Hex("OVERLAYX"), pe, &l, 1));
  // ClamAV has neither entry point nor sections when the EP does not map into the file.
  ExecutableLayout broken = l;
  broken.entry_point.reset();
  EXPECT_FALSE(Matches("EP+0:" + Hex("EPMARKER"), pe, &broken, 1));
  EXPECT_FALSE(Matches("S0+0:" + Hex("SEC0MARK"), pe, &broken, 1));
  EXPECT_TRUE(Matches("*:" + Hex("OVERLAYX"), pe, &broken, 1));
}

TEST(BodyMatch, AllReportsEachSignatureOnceAndFirstStops) {
  std::string ndb =
      "A:0:*:" + Hex("HELLO") + "\nB:0:*:" + Hex("WORLD") + "\nC:0:*:" + Hex("NOPE!") + "\n";
  std::string data = kC + kC;
  EXPECT_EQ(Match(ndb, data), (std::set<std::string>{"A", "B"}));
  EXPECT_EQ(Match(ndb, data, nullptr, MatchMode::kFirst).size(), 1u);
  // Two signatures sharing a name are two signatures: each is reported.
  std::vector<SourceText> src = {
      {"t.ndb", "A:0:*:" + Hex("HELLO") + "\nA:0:*:" + Hex("WORLD") + "\n"}};
  auto db = Database::CompileText(src, {.include_builtin = false}, nullptr);
  ASSERT_TRUE(db);
  std::vector<Detection> out;
  (*db)->MatchBody(ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size()), nullptr,
                   MatchMode::kAll, &out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(BodyMatch, ShortAnchorsWork) {
  // Only two fixed bytes in a row: found through the 2-gram path.
  EXPECT_TRUE(Matches("*:4845??4c", kB));
  EXPECT_FALSE(Matches("*:4845??4d", kB));
  EXPECT_TRUE(Matches("*:" + Hex("HE") + "??" + Hex("LO") + "??" + Hex("\x22\x33"), kB));
}

// The prefilter scans four positions at a time: a signature is found at every position and
// alignment, including the very last one, and at the start and end of the data.
TEST(BodyMatch, FoundAtEveryPositionAndAlignment) {
  const std::string sig = "\x9a\x9b\x9c\x9d\x9e";
  for (size_t size = sig.size(); size < sig.size() + 12; ++size) {
    for (size_t at = 0; at + sig.size() <= size; ++at) {
      std::string data(size, 'a');
      data.replace(at, sig.size(), sig);
      EXPECT_TRUE(Matches("*:" + Hex(sig), data)) << "size " << size << " at " << at;
      data[at + sig.size() - 1] = 'a';
      EXPECT_FALSE(Matches("*:" + Hex(sig), data)) << "size " << size << " at " << at;
    }
  }
}

// Segments anchored by 2-byte and by 4-byte anchors chain in file order within one pass.
TEST(BodyMatch, ShortAndLongAnchorSegmentsChainInFileOrder) {
  const std::string short_part = "4845??4c";  // HE?L: only two fixed bytes in a row
  const std::string long_part = Hex("WORLD");
  EXPECT_TRUE(Matches("*:" + short_part + "*" + long_part, "xxHELLOxxWORLDxx"));
  EXPECT_FALSE(Matches("*:" + short_part + "*" + long_part, "xxWORLDxxHELLOxx"));
  EXPECT_TRUE(Matches("*:" + long_part + "*" + short_part, "xxWORLDxxHELLOxx"));
  EXPECT_FALSE(Matches("*:" + long_part + "*" + short_part, "xxHELLOxxWORLDxx"));
  // Adjacent: the second part starts right where the first ends.
  EXPECT_TRUE(Matches("*:" + long_part + "*" + short_part, "WORLDHELL"));
  EXPECT_TRUE(Matches("*:" + short_part + "*" + long_part, "HELLWORLD"));
  EXPECT_FALSE(Matches("*:" + short_part + "*" + long_part, "HELWORLD"));
}

TEST(BodyMatch, AnchorInLaterPartMatchesBackwards) {
  // The rare anchor is in the last part; the earlier parts are matched backwards from it.
  std::string data = std::string(1000, 'a') + "xx" + std::string(37, 'b') + "\x9a\x9b\x9c\x9d";
  EXPECT_TRUE(Matches("*:7878*9a9b9c9d", data));
  EXPECT_TRUE(Matches("1000:7878{37}9a9b9c9d", data));
  EXPECT_FALSE(Matches("1001:7878{37}9a9b9c9d", data));
  EXPECT_FALSE(Matches("*:7878{-36}9a9b9c9d", data));
  EXPECT_TRUE(Matches("*:6161*7878{30-40}9a9b9c9d", data));
  EXPECT_FALSE(Matches("*:7979*7878{30-40}9a9b9c9d", data));
}

TEST(BodyMatch, ManySignaturesSameGram) {
  std::string ndb;
  for (int i = 0; i < 300; ++i)
    ndb += "S" + std::to_string(i) + ":0:*:" + Hex("HELLO") + "{" + std::to_string(i) + "}" +
           Hex("Z") + "5a\n";
  std::string data = "HELLO" + std::string(42, 'q') + "ZZ";
  EXPECT_EQ(Match(ndb, data), (std::set<std::string>{"S42"}));
}

TEST(BodyMatch, EicarBuiltin) {
  const std::string eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  std::vector<SourceText> none;
  auto db = Database::CompileText(none, {}, nullptr);
  ASSERT_TRUE(db);
  auto scan = [&](const std::string& s) {
    std::vector<Detection> out;
    (*db)->MatchBody(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()), nullptr,
                     MatchMode::kAll, &out);
    return out;
  };
  auto out = scan(eicar + "\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "Eicar-Test-Signature");
  EXPECT_TRUE(scan(" " + eicar).empty());
  EXPECT_TRUE(scan(eicar.substr(0, 67)).empty());
  auto without = Database::CompileText(none, {.include_builtin = false}, nullptr);
  ASSERT_TRUE(without);
  EXPECT_FALSE((*without)->HasBodySignatures());
}

TEST(Verifier, BudgetStopsPathologicalPatterns) {
  // Many unbounded gaps over a long run of one byte, with a first part that is absent:
  // backtracking would take forever; the step budget ends it (no match, which is right).
  std::string data = "zz" + std::string(200000, 'a') + "bbb";
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Match("P:0:*:7a7a{-1}6161*6161*6161*6161*6161*626263\n", data).empty());
  EXPECT_TRUE(Match("P:0:*:6161*6161*6161*6161*6161*7a7a{-1}626262\n", data).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(Match("P:0:*:7a7a{-1}6161*6161*6161*6161*6161*626262\n", data).size(), 1u);
}

}  // namespace
}  // namespace otguard::sigdb
