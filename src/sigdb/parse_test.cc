#include "sigdb/parse.h"

#include <gtest/gtest.h>

namespace otguard::sigdb {
namespace {

constexpr char kMd5[] = "44d88612fea8a8f36de82e1278abb02f";
constexpr char kSha1[] = "3395856ce81f2b7382dee72602f798b642f14140";
constexpr char kSha256[] = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

LineResult Hash(const std::string& line, HashSig* sig, Status* err) {
  return ParseHashLine(line, sig, err);
}

TEST(ParseHashLine, PicksDigestKindByLength) {
  HashSig sig;
  Status err;
  ASSERT_EQ(Hash(std::string(kMd5) + ":68:Test.Md5", &sig, &err), LineResult::kSignature);
  EXPECT_EQ(sig.kind, DigestKind::kMd5);
  EXPECT_EQ(sig.size, 68u);
  EXPECT_EQ(sig.name, "Test.Md5");
  EXPECT_EQ(sig.digest[0], 0x44);
  ASSERT_EQ(Hash(std::string(kSha1) + ":68:Test.Sha1", &sig, &err), LineResult::kSignature);
  EXPECT_EQ(sig.kind, DigestKind::kSha1);
  ASSERT_EQ(Hash(std::string(kSha256) + ":68:Test.Sha256\r\n", &sig, &err), LineResult::kSignature);
  EXPECT_EQ(sig.kind, DigestKind::kSha256);
  EXPECT_EQ(sig.name, "Test.Sha256");
  EXPECT_EQ(sig.digest[31], 0x0f);
}

TEST(ParseHashLine, WildcardSizeNeedsFlevel73) {
  HashSig sig;
  Status err;
  EXPECT_EQ(Hash(std::string(kSha256) + ":*:Any:73", &sig, &err), LineResult::kSignature);
  EXPECT_EQ(sig.size, kAnySize);
  EXPECT_EQ(Hash(std::string(kSha256) + ":*:Any", &sig, &err), LineResult::kError);
  EXPECT_EQ(Hash(std::string(kSha256) + ":*:Any:72", &sig, &err), LineResult::kError);
}

TEST(ParseHashLine, FunctionalityLevelOutsideRangeIsSkipped) {
  HashSig sig;
  Status err;
  EXPECT_EQ(Hash(std::string(kMd5) + ":68:X:216", &sig, &err), LineResult::kSignature);
  EXPECT_EQ(Hash(std::string(kMd5) + ":68:X:217", &sig, &err), LineResult::kSkipped);
  EXPECT_EQ(Hash(std::string(kMd5) + ":68:X:10:20", &sig, &err), LineResult::kSkipped);
  EXPECT_EQ(Hash(std::string(kMd5) + ":68:X:10:255", &sig, &err), LineResult::kSignature);
}

TEST(ParseHashLine, MalformedLinesAreErrors) {
  HashSig sig;
  for (std::string line :
       {std::string(kMd5) + ":68", std::string(kMd5) + ":0:Zero", std::string(kMd5) + ":-1:Neg",
        std::string(kMd5) + ":abc:X", std::string(kMd5) + ":68:", std::string("abcd:68:Short"),
        std::string(31, 'a') + "g:68:NotHex", std::string(kMd5) + ":68:X:lvl",
        std::string(kMd5) + ":68:X:1:2:3", std::string("\0\xff:\x01", 5)}) {
    Status err;
    EXPECT_EQ(Hash(line, &sig, &err), LineResult::kError) << line;
    EXPECT_FALSE(err.ok()) << line;
  }
}

TEST(ParseHashLine, CommentsAndBlankLinesAreSkipped) {
  HashSig sig;
  Status err;
  EXPECT_EQ(Hash("# a comment", &sig, &err), LineResult::kSkipped);
  EXPECT_EQ(Hash("", &sig, &err), LineResult::kSkipped);
  EXPECT_EQ(Hash("\r", &sig, &err), LineResult::kSkipped);
}

TEST(ParseOffset, EveryForm) {
  auto o = ParseOffset("*", 0);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, OffsetKind::kAny);
  o = ParseOffset("100", 0);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, OffsetKind::kAbsolute);
  EXPECT_EQ(o->value, 100);
  EXPECT_EQ(o->shift, 0u);
  o = ParseOffset("100,50", 0);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->shift, 50u);
  o = ParseOffset("EOF-63", 0);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, OffsetKind::kEof);
  EXPECT_EQ(o->value, 63);
  o = ParseOffset("EP+10,20", 1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, OffsetKind::kEntryPoint);
  EXPECT_EQ(o->value, 10);
  EXPECT_EQ(o->shift, 20u);
  o = ParseOffset("EP-256", 1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->value, -256);
  o = ParseOffset("S2+256", 1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, OffsetKind::kSection);
  EXPECT_EQ(o->section, 2u);
  EXPECT_EQ(o->value, 256);
  o = ParseOffset("SL+8,4", 1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, OffsetKind::kLastSection);
  EXPECT_EQ(o->value, 8);
  EXPECT_EQ(o->shift, 4u);
  o = ParseOffset("SE3", 1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, OffsetKind::kSectionEntire);
  EXPECT_EQ(o->section, 3u);
  o = ParseOffset("SE0,256", 1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->shift, 256u);
}

TEST(ParseOffset, RejectsWhatClamAvRejects) {
  // EP and section offsets exist only for PE targets; ClamAV refuses them for target 0.
  EXPECT_FALSE(ParseOffset("EP+0", 0));
  EXPECT_FALSE(ParseOffset("S1+0", 0));
  EXPECT_FALSE(ParseOffset("SE1", 0));
  for (const char* bad : {"-1", "EOF+1", "S1-8", "SL-8", "EP*3", "", "x", "S+1", "100,x", "EOF-"}) {
    EXPECT_FALSE(ParseOffset(bad, 1)) << bad;
  }
}

TEST(ParseBodyLine, ParsesFields) {
  BodySig sig;
  Status err;
  ASSERT_EQ(ParseBodyLine("Win.Test.A:1:EP+10,20:48454c4c4f::", &sig, &err), LineResult::kError);
  ASSERT_EQ(ParseBodyLine("Win.Test.A:1:EP+10,20:48454c4c4f:51:255", &sig, &err),
            LineResult::kSignature)
      << err.ToString();
  EXPECT_EQ(sig.name, "Win.Test.A");
  EXPECT_EQ(sig.target, 1);
  EXPECT_EQ(sig.offset.kind, OffsetKind::kEntryPoint);
  ASSERT_EQ(sig.pattern.elems.size(), 1u);
  EXPECT_EQ(sig.pattern.elems[0].kind, static_cast<uint8_t>(ElemKind::kExact));
}

TEST(ParseBodyLine, UnsupportedTargetsAndConstructsAreNamed) {
  BodySig sig;
  for (const char* line : {"A:2:*:48454c4c4f", "A:7:*:48454c4c4f", "A:0:*:(B)48454c4c4f",
                           "A:0:*:48454c4c4f[1-2]3131"}) {
    Status err;
    EXPECT_EQ(ParseBodyLine(line, &sig, &err), LineResult::kError) << line;
    EXPECT_EQ(err.code(), StatusCode::kUnimplemented) << line;
  }
}

TEST(ParseBodyLine, FlevelOutsideRangeIsSkipped) {
  BodySig sig;
  Status err;
  EXPECT_EQ(ParseBodyLine("A:0:*:48454c4c4f:250", &sig, &err), LineResult::kSkipped);
  EXPECT_EQ(ParseBodyLine("A:0:*:48454c4c4f:10:20", &sig, &err), LineResult::kSkipped);
  EXPECT_EQ(ParseBodyLine("A:2:*:48454c4c4f:250", &sig, &err), LineResult::kSkipped);
}

TEST(ParseBodyLine, MalformedPatternsAreErrors) {
  // Each of these is refused by clamscan 1.4 as well.
  for (const char* hex : {"48454c4c4g",
                          "48454c4c4",
                          "",
                          "4845",
                          "48",
                          "48??4c",
                          "*48454c4c4f",
                          "48454c4c4f*",
                          "48454c4c4f**574f524c44",
                          "{2-4}574f524c44",
                          "4c4c4f{1-2}4c",
                          "48454c4c4f{5-3}574f",
                          "(4845|4c4c)*574f524c44",
                          "48454c4c4f!(1?|22)2233",
                          "48454c4c4f!(11|2222)2233",
                          "48454c4c4f(11|)22",
                          "48454c4c4f(1122",
                          "48454c4c4f{3",
                          "48454c4c4f{x}11",
                          "48454c4c4f{-}11",
                          "48454c4c4f{99999999999}11"}) {
    BodySig sig;
    Status err;
    EXPECT_EQ(ParseBodyLine(std::string("A:0:*:") + hex, &sig, &err), LineResult::kError) << hex;
    EXPECT_FALSE(err.ok());
  }
}

TEST(ParseBodyLine, AcceptsEverySupportedConstruct) {
  for (const char* hex : {"48454c4c4f",
                          "48454C4C4F",
                          "??48454c4c4f",
                          "48454c4c4f??",
                          "48454c4c4?1?",
                          "48454c4c?f?1",
                          "48454c4c4f*574f524c44",
                          "48454c4c4f{3}574f524c44",
                          "48454c4c4f{-3}574f524c44",
                          "48454c4c4f{3-}574f524c44",
                          "48454c4c4f{2-4}574f524c44",
                          "48454c4c4f(11|22)2233",
                          "48454c4c4f!(11|22)2233",
                          "48454c4c4f(11|1122)33",
                          "48454c4c4f(1?|22)2233",
                          "48454c4c4f(11|{2})33",
                          "{3}48454c4c4f",
                          "48454c4c4f{3}",
                          "4845??4c",
                          "(4845|4c4c)4c4c"}) {
    BodySig sig;
    Status err;
    EXPECT_EQ(ParseBodyLine(std::string("A:0:*:") + hex, &sig, &err), LineResult::kSignature)
        << hex << ": " << err.ToString();
  }
}

TEST(ParseBodyLine, WrongFieldCounts) {
  BodySig sig;
  Status err;
  EXPECT_EQ(ParseBodyLine("A:0:*", &sig, &err), LineResult::kError);
  EXPECT_EQ(ParseBodyLine("A:0:*:48454c4c4f:1:2:3", &sig, &err), LineResult::kError);
  EXPECT_EQ(ParseBodyLine(":0:*:48454c4c4f", &sig, &err), LineResult::kError);
  EXPECT_EQ(ParseBodyLine("A:x:*:48454c4c4f", &sig, &err), LineResult::kError);
  EXPECT_EQ(ParseBodyLine("A:0:*:48454c4c4f:x", &sig, &err), LineResult::kError);
}

TEST(SourceKindOf, ByExtension) {
  EXPECT_EQ(SourceKindOf("a/b/main.hdb"), SourceKind::kHdb);
  EXPECT_EQ(SourceKindOf("x.HSB"), SourceKind::kHsb);
  EXPECT_EQ(SourceKindOf("x.ndb"), SourceKind::kNdb);
  EXPECT_EQ(SourceKindOf("x.fp"), SourceKind::kFp);
  EXPECT_EQ(SourceKindOf("x.sfp"), SourceKind::kSfp);
  EXPECT_EQ(SourceKindOf("x.ldb"), SourceKind::kUnknown);
  EXPECT_EQ(SourceKindOf("noext"), SourceKind::kUnknown);
}

}  // namespace
}  // namespace otguard::sigdb
