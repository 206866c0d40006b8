#include "otguard/platform/system.h"

#include <sys/utsname.h>

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <string>

#include "platform/os_release.h"

namespace otguard::platform {
namespace {

using linux_internal::ParseOsRelease;

TEST(OsReleaseTest, ReadsPlainAndQuotedValues) {
  auto vars = ParseOsRelease(
      "# a comment\n"
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
      "\n"
      "VERSION_ID=\"12\"\n"
      "ID=debian\n"
      "VERSION_CODENAME='bookworm'\n");
  EXPECT_EQ(vars["PRETTY_NAME"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(vars["VERSION_ID"], "12");
  EXPECT_EQ(vars["ID"], "debian");
  EXPECT_EQ(vars["VERSION_CODENAME"], "bookworm");
  EXPECT_EQ(vars.size(), 4u);
}

TEST(OsReleaseTest, UnescapesAsTheShellDoes) {
  auto vars = ParseOsRelease(
      "A=\"say \\\"hi\\\" \\\\ \\$HOME \\`x\\`\"\n"  // A="say \"hi\" \\ \$HOME \`x\`"
      "B=\"C:\\path\"\n"                             // \p is no escape inside "..."
      "C='it''s \\n'\n"                              // '...' is literal, parts join
      "D=un\\ quoted\n"                              // a backslash escapes a blank
      "E=\"a\"'b'c\n"
      "F=\n"
      "G=\"x\"   \r\n");  // trailing blanks and a CRLF ending
  EXPECT_EQ(vars["A"], "say \"hi\" \\ $HOME `x`");
  EXPECT_EQ(vars["B"], "C:\\path");
  EXPECT_EQ(vars["C"], "its \\n");
  EXPECT_EQ(vars["D"], "un quoted");
  EXPECT_EQ(vars["E"], "abc");
  EXPECT_EQ(vars["F"], "");
  EXPECT_EQ(vars["G"], "x");
}

TEST(OsReleaseTest, SkipsMalformedLinesButKeepsTheRest) {
  auto vars = ParseOsRelease(
      "no equals sign\n"
      "1BAD=x\n"
      "BAD-NAME=x\n"
      "OPEN=\"never closed\n"
      "TWO=words here\n"
      "  ID=debian\n"
      "ID=ubuntu");  // no final newline; the later assignment wins
  EXPECT_EQ(vars.size(), 1u);
  EXPECT_EQ(vars["ID"], "ubuntu");
}

TEST(SystemTest, OsVersionDescribesThisHost) {
  auto os = GetOsVersion();
  ASSERT_TRUE(os.has_value()) << os.error().ToString();
  utsname uts{};
  ASSERT_EQ(uname(&uts), 0);
  EXPECT_EQ(os->family, "linux");
  EXPECT_EQ(os->kernel, uts.release);
  EXPECT_EQ(os->build, uts.release);
  EXPECT_EQ(os->architecture, uts.machine);
  EXPECT_TRUE(os->service_pack.empty());
  EXPECT_FALSE(os->name.empty());
  // On Debian (the project's build host) /etc/debian_version ("12.5") is a second, independent
  // record of the release that os-release's VERSION_ID must agree with.
  std::ifstream debian("/etc/debian_version");
  std::string debian_version;
  if (debian >> debian_version && std::isdigit(static_cast<unsigned char>(debian_version[0]))) {
    EXPECT_EQ(os->version, debian_version.substr(0, debian_version.find('.')));
    EXPECT_EQ(os->name.rfind("Debian GNU/Linux " + os->version, 0), 0u) << os->name;
  }
}

TEST(SystemTest, HotfixesAreWindowsOnly) {
  auto hotfixes = ListHotfixes();
  ASSERT_FALSE(hotfixes.has_value());
  EXPECT_EQ(hotfixes.error().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace otguard::platform
