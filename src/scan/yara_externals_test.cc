#include "scan/yara_externals.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace otguard::scan {
namespace {

using ::testing::HasSubstr;

std::string_view TypeOf(const std::string& head) {
  return FileTypeOf(ByteSpan(reinterpret_cast<const uint8_t*>(head.data()), head.size()));
}

TEST(FileTypeTest, NamesTheMagicsRulesAskFor) {
  EXPECT_EQ(TypeOf(std::string("MZ\x90\x00", 4)), "EXE");
  EXPECT_EQ(TypeOf("\x7f"
                   "ELF\x02\x01"),
            "ELF");
  EXPECT_EQ(TypeOf("MDMP\x93\xa7"), "MDMP");
  EXPECT_EQ(TypeOf("%PDF-1.7"), "PDF");
  EXPECT_EQ(TypeOf(std::string("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)), "OLE");
  EXPECT_EQ(TypeOf("#!/bin/sh\n"), "UNIX SCRIPT");
  EXPECT_EQ(TypeOf("#!python"), "Script");
}

TEST(FileTypeTest, TheLongestMagicWins) {
  EXPECT_EQ(TypeOf(std::string("PK\x03\x04\x14\x00\x06\x00", 8)), "Office");
  EXPECT_EQ(TypeOf(std::string("PK\x03\x04\x0a\x00", 6)), "ZIP");
  EXPECT_EQ(TypeOf(std::string("\xff\xfe<\x00%\x00@", 7)), "JSP");
  EXPECT_EQ(TypeOf("\xff\xfe"
                   "a"),
            "Windows Registry File");
}

TEST(FileTypeTest, UnknownForNoMagicAndForAnEmptyFile) {
  EXPECT_EQ(TypeOf("plain text"), "UNKNOWN");
  EXPECT_EQ(TypeOf(""), "UNKNOWN");
  EXPECT_EQ(TypeOf("M"), "UNKNOWN");  // half a magic is none
}

TEST(ExtensionTest, LowerCaseLastSuffixWithItsDot) {
  EXPECT_EQ(ExtensionOf("setup.EXE"), ".exe");
  EXPECT_EQ(ExtensionOf("backup.tar.gz"), ".gz");
  EXPECT_EQ(ExtensionOf("README"), "");
  EXPECT_EQ(ExtensionOf(".bashrc"), "");
  EXPECT_EQ(ExtensionOf("..x.Y"), ".y");
  EXPECT_EQ(ExtensionOf("name."), ".");
}

TEST(YaraDefineTest, TypesValuesAsYaraDashDDoes) {
  auto i = ParseYaraDefine("level=-42");
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->type, YaraDefine::Type::kInteger);
  EXPECT_EQ(i->integer, -42);
  auto f = ParseYaraDefine("ratio=1.");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, YaraDefine::Type::kFloat);
  EXPECT_DOUBLE_EQ(f->real, 1.0);
  auto b = ParseYaraDefine("armed=false");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->type, YaraDefine::Type::kBoolean);
  EXPECT_FALSE(b->boolean);
  // What yara -d keeps as strings: hexadecimal, a leading '+' or '.', "True", quotes, '='.
  for (const char* text : {"x=0x10", "x=+4", "x=.5", "x=True", "x=\"q\"", "x=a=b", "x="}) {
    auto s = ParseYaraDefine(text);
    ASSERT_TRUE(s.has_value()) << text;
    EXPECT_EQ(s->type, YaraDefine::Type::kString) << text;
    EXPECT_EQ(s->text, std::string(text).substr(2));
  }
}

TEST(YaraDefineTest, RefusesWhatCannotBeAnExternal) {
  EXPECT_THAT(ParseYaraDefine("novalue").error().message(), HasSubstr("NAME=VALUE"));
  EXPECT_THAT(ParseYaraDefine("=3").error().message(), HasSubstr("identifier"));
  EXPECT_THAT(ParseYaraDefine("9lives=1").error().message(), HasSubstr("identifier"));
  EXPECT_THAT(ParseYaraDefine("big=99999999999999999999").error().message(), HasSubstr("64-bit"));
  auto per_file = ParseYaraDefine("filename=x.exe");
  ASSERT_FALSE(per_file.has_value());
  EXPECT_THAT(per_file.error().message(), HasSubstr("every scanned file"));
}

}  // namespace
}  // namespace otguard::scan
