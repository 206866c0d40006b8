// IOC packs: the MsraMiner pack covers docs/msraminer.md, the loader refuses every documented
// mistake with its line and column, and the writer round-trips.
#include "otguard/host/ioc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "host/ioc_values.h"
#include "otguard/base/event.h"

namespace otguard::host {
namespace {

std::string SourcePath(const std::string& relative) {
  return std::string(OTGUARD_SOURCE_DIR) + "/" + relative;
}

Pack MsraMiner() {
  auto pack = LoadPackFile(SourcePath("data/ioc/msraminer.toml"));
  EXPECT_TRUE(pack.has_value()) << pack.error().ToString();
  return pack.value_or(Pack{});
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(IocNamesTest, SeveritiesAndKindsRoundTrip) {
  for (Severity s :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    EXPECT_EQ(ParseSeverity(SeverityName(s)).value(), s);
  }
  for (int i = 0; i < 8; ++i) {
    auto kind = static_cast<IndicatorKind>(i);
    EXPECT_EQ(ParseIndicatorKind(IndicatorKindName(kind)).value(), kind);
  }
  EXPECT_STREQ(IndicatorKindName(IndicatorKind::kRemoteEndpoint), "remote-endpoint");
  EXPECT_FALSE(ParseSeverity("severe").has_value());
  EXPECT_FALSE(ParseIndicatorKind("File").has_value());
}

TEST(IocNamesTest, IcsTechniques) {
  EXPECT_EQ(IcsTechniqueName("T0849"), "Masquerading");
  EXPECT_EQ(IcsTechniqueName("T0866"), "Exploitation of Remote Services");
  EXPECT_EQ(IcsTechniqueName("T0867"), "Lateral Tool Transfer");
  EXPECT_EQ(IcsTechniqueName("T0828"), "Loss of Productivity and Revenue");
  EXPECT_EQ(IcsTechniqueName("T0869"), "Standard Application Layer Protocol");
  EXPECT_EQ(IcsTechniqueName("T0885"), "Commonly Used Port");
  EXPECT_EQ(IcsTechniqueName("T0800"), "Activate Firmware Update Mode");
  EXPECT_EQ(IcsTechniqueName("T0895"), "Autorun Image");
  EXPECT_EQ(IcsTechniqueName("T1059"), "");  // enterprise ATT&CK, not ICS
  EXPECT_EQ(IcsTechniqueName("t0849"), "");
  EXPECT_EQ(IcsTechniqueName(""), "");
}

TEST(IocValuesTest, Addresses) {
  using ioc_internal::NormalizeAddress;
  EXPECT_EQ(NormalizeAddress("45.77.31.21").value(), "45.77.31.21");
  EXPECT_EQ(NormalizeAddress("45.76.0.0/16").value(), "45.76.0.0/16");
  EXPECT_EQ(NormalizeAddress("0.0.0.0/0").value(), "0.0.0.0/0");
  EXPECT_EQ(NormalizeAddress("2001:DB8:0:0:0:0:0:1").value(), "2001:db8::1");
  EXPECT_EQ(NormalizeAddress("2001:db8::/32").value(), "2001:db8::/32");
  EXPECT_EQ(NormalizeAddress("::").value(), "::");
  EXPECT_EQ(NormalizeAddress("::1").value(), "::1");
  EXPECT_EQ(NormalizeAddress("fe80::").value(), "fe80::");
  EXPECT_EQ(NormalizeAddress("1:0:0:2:0:0:0:3").value(), "1:0:0:2::3");
  EXPECT_EQ(NormalizeAddress("1:0:2:3:4:5:6:7").value(), "1:0:2:3:4:5:6:7");  // no "::" for one
  EXPECT_EQ(NormalizeAddress("::FFFF:1.2.3.4").value(), "::ffff:1.2.3.4");
  EXPECT_EQ(NormalizeAddress("64:ff9b::192.0.2.33").value(), "64:ff9b::c000:221");
  for (const char* bad : {"",
                          "1.2.3",
                          "1.2.3.4.5",
                          "256.1.1.1",
                          "01.2.3.4",
                          "1.2.3.4/33",
                          "1.2.3.4/",
                          "1.2.3.4/08",
                          "45.76.0.1/16",
                          "::1::",
                          ":::",
                          "1:2:3:4:5:6:7",
                          "1:2:3:4:5:6:7:8:9",
                          "12345::",
                          "g::",
                          "1:",
                          ":1",
                          "::1.2.3",
                          "2001:db8::/129",
                          "1.2.3.4 ",
                          "example.com",
                          "1:2:3:4:5:6:7::8"}) {
    EXPECT_FALSE(NormalizeAddress(bad).has_value()) << bad;
  }
}

TEST(IocValuesTest, DomainsAndHashes) {
  using ioc_internal::NormalizeDomain;
  EXPECT_EQ(NormalizeDomain("XMR.Pool.MinerGate.com.").value(), "xmr.pool.minergate.com");
  EXPECT_EQ(NormalizeDomain("*.njaavfxcgk3.club").value(), "*.njaavfxcgk3.club");
  for (const char* bad : {"", "com", "*.com", "a..b", "-a.com", "a-.com", "a b.com", "*a.com",
                          "a.*.com", "1.2.3.4", "x.c*m"}) {
    EXPECT_FALSE(NormalizeDomain(bad).has_value()) << bad;
  }
  EXPECT_FALSE(NormalizeDomain(std::string(64, 'a') + ".com").has_value());
  EXPECT_EQ(ioc_internal::NormalizeHash("42A12DE5A2B8CFF827407877DBD66B16", 32).value(),
            "42a12de5a2b8cff827407877dbd66b16");
  EXPECT_FALSE(ioc_internal::NormalizeHash("42a12de5a2b8cff827407877dbd66b1", 32).has_value());
  EXPECT_FALSE(ioc_internal::NormalizeHash("42a12de5a2b8cff827407877dbd66b1g", 32).has_value());
}

// --- the MsraMiner pack against docs/msraminer.md ---

struct Everything {
  std::set<std::string> md5, domains, addresses, paths, process_names, service_names, task_names,
      descriptions, command_lines, registry;
  std::set<uint16_t> listen_ports, remote_ports;
  std::vector<std::vector<std::vector<std::string>>> name_words;
};

Everything Collect(const Pack& pack) {
  Everything all;
  for (const Indicator& i : pack.indicators) {
    all.md5.insert(i.md5.begin(), i.md5.end());
    all.domains.insert(i.domains.begin(), i.domains.end());
    all.addresses.insert(i.addresses.begin(), i.addresses.end());
    for (const auto& p : i.paths) all.paths.insert(Lower(p));
    all.command_lines.insert(i.command_lines.begin(), i.command_lines.end());
    all.descriptions.insert(i.descriptions.begin(), i.descriptions.end());
    if (i.kind == IndicatorKind::kProcess) all.process_names.insert(i.names.begin(), i.names.end());
    if (i.kind == IndicatorKind::kService) all.service_names.insert(i.names.begin(), i.names.end());
    if (i.kind == IndicatorKind::kScheduledTask) {
      all.task_names.insert(i.names.begin(), i.names.end());
    }
    if (i.kind == IndicatorKind::kListeningPort) {
      all.listen_ports.insert(i.ports.begin(), i.ports.end());
    }
    if (i.kind == IndicatorKind::kRemoteEndpoint) {
      all.remote_ports.insert(i.ports.begin(), i.ports.end());
    }
    if (!i.registry_key.empty()) {
      all.registry.insert(i.registry_key + (i.value_names.empty() ? "" : "=" + i.value_names[0]));
    }
    if (!i.name_words.empty()) all.name_words.push_back(i.name_words);
  }
  return all;
}

TEST(MsraMinerPackTest, LoadsAndEveryIndicatorIsComplete) {
  Pack pack = MsraMiner();
  EXPECT_EQ(pack.id, "msraminer");
  EXPECT_FALSE(pack.version.empty());
  ASSERT_GE(pack.indicators.size(), 25u);
  for (const Indicator& i : pack.indicators) {
    EXPECT_FALSE(IcsTechniqueName(i.technique).empty()) << i.id;
    EXPECT_FALSE(i.remediation.empty()) << i.id;
    EXPECT_FALSE(i.references.empty()) << i.id;
  }
  std::string prevention;
  for (const auto& p : pack.prevention) prevention += p + "\n";
  for (const char* needle :
       {"MS17-010", "KB4012212", "KB4012598", "445", "139", "135", "3389", "anti-malware"}) {
    EXPECT_NE(prevention.find(needle), std::string::npos) << needle;
  }
}

TEST(MsraMinerPackTest, HasEveryPublishedMd5) {
  const char* kMd5[] = {"011d6ce51b7806dca26c300e8d26f9bb", "1e0022c02030f2b4353b583beffbade9",
                        "3aba72d1f87f4372162972b6a45ed8cd", "593c0352bda3fee2e0d56d63601fa632",
                        "61c49acb542f5fa5ea9f2efcd534d720", "6b6dd446403f10f43c33e83946eafa99",
                        "74fc7442f54a49875cbd5c3d6398847a", "a937565fc52028949d8fca743c05b273",
                        "a9ef70160121d3d6ca0692b3081498fd", "aa378f3f047acc8838ffd9fe4bd0025b",
                        "c24315b0585b852110977dacafe6c8c1", "c284767a12c1670f30d3d1fe1cd8aedd",
                        "045cb0ab19e900e07f148233762cdff6", "2bcd21c4ce8a1a2ff0769cd2aef2ff88",
                        "ed0fe346f568d6dff3aaf0077c91df2a", "f7cd555799147d509e554b0e585aced0",
                        "c899d12ceff6ded5a37335f44356caaf", "4b157f03f33cccb7b4182351a5126936",
                        "33fe92ae1bb36e7a7b7b7342627bd31e", "49f7f7d75021e90761141c5fe76445a6",
                        "d92cd7ddb81d2c4a17e1b329ef7a2f1d", "dca0d1e613f2ac48e231883870e5b3e9",
                        "739ab9250f32e006208f1ff15cd0d772", "a8dfb2d7aee89a4b9ad194c7128954c6",
                        "42a12de5a2b8cff827407877dbd66b16"};
  Everything all = Collect(MsraMiner());
  for (const char* md5 : kMd5) EXPECT_TRUE(all.md5.contains(md5)) << md5;
  EXPECT_EQ(all.md5.size(), std::size(kMd5));
}

TEST(MsraMinerPackTest, HasEveryDomainAndAddress) {
  const char* kDomains[] = {
      "xmr.pool.minergate.com", "swt.njaavfxcgk3.club", "rer.njaavfxcgk3.club",
      "acs.njaavfxcgk3.club", "ccc.njaavfxcgk3.club", "err.njaavfxcgk3.club", "p3.njaavfxcgk3.club",
      "x1.sk0zda1rmzs.world", "x5.sk0zda1rmzs.world", "cf.sk0zda1rmzs.world",
      "cm.sk0zda1rmzs.world", "d1d1d1.ftbxedwakc.me", "x1x1x1.ftbxedwakc.me",
      "cmcmcm.ftbxedwakc.me", "tar.kziu0tpofwf.club", "rat.kziu0tpofwf.club", "s.drawal.tk",
      "d.drawal.tk", "z.drawal.tk", "eea.asf3r23.cf", "p1.mdfr6avyyle.online",
      "p3.mdfr6avyyle.online", "p5.mdfr6avyyle.online", "p1.qsd2xjpzfky.site",
      "p3.qsd2xjpzfky.site", "p5.qsd2xjpzfky.site", "p1.vpccaydoaw.live", "p3.vpccaydoaw.live",
      "p5.vpccaydoaw.live", "p1.jdi1diejs.club", "p4.jdi1diejs.club",
      // The C2 zones, as wildcards.
      "*.njaavfxcgk3.club", "*.sk0zda1rmzs.world", "*.ftbxedwakc.me", "*.kziu0tpofwf.club",
      "*.drawal.tk"};
  const char* kAddresses[] = {
      "104.238.149.229", "107.191.61.152", "108.61.246.77", "108.61.247.93", "119.188.68.5",
      "207.246.100.220", "45.32.110.163",  "45.32.121.95",  "45.32.127.108", "45.32.48.160",
      "45.32.51.130",    "45.63.127.197",  "45.63.94.237",  "45.76.103.25",  "45.76.185.56",
      "45.76.188.118",   "45.76.199.181",  "45.76.48.72",   "45.76.51.49",   "45.76.55.4",
      "45.77.11.148",    "45.77.14.227",   "45.77.20.217",  "45.77.22.234",  "45.77.25.58",
      "45.77.29.88",     "45.77.31.21"};
  Everything all = Collect(MsraMiner());
  for (const char* d : kDomains) EXPECT_TRUE(all.domains.contains(d)) << d;
  for (const char* a : kAddresses) EXPECT_TRUE(all.addresses.contains(a)) << a;
  EXPECT_EQ(all.addresses.size(), 27u);
}

TEST(MsraMinerPackTest, HasEveryPortButNotTheCommonOnes) {
  Everything all = Collect(MsraMiner());
  EXPECT_EQ(all.listen_ports, (std::set<uint16_t>{26931, 36215, 26571, 57219}));
  EXPECT_EQ(all.remote_ports, (std::set<uint16_t>{45560, 4431, 4433}));
}

TEST(MsraMinerPackTest, HasEveryFileAndFolder) {
  const char* kPaths[] = {"%systemroot%\\system32\\msrareportdatacache32.tlb",
                          "%systemroot%\\syswow64\\msrareportdatacache32.tlb",
                          "%systemroot%\\system32\\nrsdatacache.tlb",
                          "%systemroot%\\system32\\tpmagentservice.dll",
                          "%systemroot%\\syswow64\\tpmagentservice.dll",
                          "%systemroot%\\system32\\nettracediagnostics.ini",
                          "%systemroot%\\system32\\snmpstorsrv.dll",
                          "%systemroot%\\syswow64\\snmpstorsrv.dll",
                          "%systemroot%\\system32\\trustedhostex.exe",
                          "%systemroot%\\system32\\marstracediagnostics.xml",
                          "%systemroot%\\appdiagnostics\\**",
                          "%systemroot%\\speechstracing\\spoolsv.exe",
                          "%systemroot%\\system32\\halpluginsservices.dll",
                          "%systemroot%\\syswow64\\halpluginsservices.dll",
                          "%systemroot%\\system32\\enrollcertxaml.dll",
                          "%systemroot%\\syswow64\\enrollcertxaml.dll",
                          "%systemroot%\\networkdistribution\\**",
                          "%systemroot%\\nerworkdistribution\\**",
                          "%systemroot%\\ime\\crypt\\**",
                          "%systemroot%\\ime\\crypt\\svchost.exe",
                          "%systemroot%\\ime\\crypt\\spoolsv.exe",
                          "%systemroot%\\ime\\crypt\\x86.dll",
                          "%systemroot%\\ime\\crypt\\x64.dll"};
  Everything all = Collect(MsraMiner());
  for (const char* p : kPaths) EXPECT_TRUE(all.paths.contains(p)) << p;
}

TEST(MsraMinerPackTest, HasEveryProcessServiceTaskAndRegistryIndicator) {
  Pack pack = MsraMiner();
  Everything all = Collect(pack);
  for (const char* name :
       {"dllhostex.exe", "TaskIndexer.exe", "TrustedHostServices.exe", "SecUpdateHost.exe",
        "TrustedHostex.exe", "spoolsv.exe", "svchost.exe"}) {
    EXPECT_TRUE(all.process_names.contains(name)) << name;
  }
  for (const char* name :
       {"tpmagentservice", "snmpstorsrv", "vmichapagentsrv", "RemoteUPnPService"}) {
    EXPECT_TRUE(all.service_names.contains(name)) << name;
  }
  EXPECT_TRUE(all.task_names.contains("UPnPHostServices"));
  EXPECT_TRUE(all.registry.contains("HKLM\\SYSTEM\\CurrentControlSet\\Services=ServicesPixels"));
  EXPECT_TRUE(all.registry.contains("HKLM\\SYSTEM\\CurrentControlSet\\Services\\ServicesPixels"));
  EXPECT_TRUE(all.command_lines.contains("*stratum+tcp://*:45560*"));
  EXPECT_TRUE(all.command_lines.contains("*-u *@protonmail.com*"));
  const std::vector<std::vector<std::string>> kWords = {
      {"Windows", "Microsoft", "Network", "Remote", "Function", "Secure", "Application"},
      {"Update", "Time", "NetBIOS", "RPC", "Protocol", "SSDP", "UPnP"},
      {"Service", "Host", "Client", "Event", "Manager", "Helper", "System"}};
  ASSERT_EQ(all.name_words.size(), 2u);
  EXPECT_EQ(all.name_words[0], kWords);
  EXPECT_EQ(all.name_words[1], kWords);

  auto find = [&](const std::string& id) {
    auto it = std::find_if(pack.indicators.begin(), pack.indicators.end(),
                           [&](const Indicator& i) { return i.id == id; });
    EXPECT_NE(it, pack.indicators.end()) << id;
    return it == pack.indicators.end() ? Indicator{} : *it;
  };
  Indicator miner = find("process-miner");
  EXPECT_TRUE(miner.end_parent);
  EXPECT_EQ(miner.severity, Severity::kCritical);
  Indicator spoolsv = find("process-spoolsv-outside-system32");
  EXPECT_EQ(spoolsv.not_paths.size(), 2u);
  EXPECT_EQ(find("process-spoolsv-wrong-parent").not_parents,
            std::vector<std::string>{"services.exe"});
  EXPECT_TRUE(find("service-three-words-dll").dll_named_like_service);
  EXPECT_FALSE(find("service-three-words").dll_named_like_service);
  EXPECT_LT(find("service-three-words").severity, Severity::kCritical);
  // Both the real wording and the refinery report's misspelled quote.
  const auto descriptions = find("service-description").descriptions;
  ASSERT_EQ(descriptions.size(), 2u);
  EXPECT_TRUE(descriptions[0].starts_with("Enable* a common interface"));
  EXPECT_TRUE(descriptions[1].starts_with("Enable a commin infterace"));
}

TEST(MsraMinerPackTest, RoundTripsThroughToml) {
  Pack pack = MsraMiner();
  std::string text = PackToToml(pack);
  auto again = ParsePack(text, pack.origin);
  ASSERT_TRUE(again.has_value()) << again.error().ToString() << "\n" << text;
  EXPECT_TRUE(*again == pack);
  EXPECT_EQ(PackToToml(*again), text);  // stable
}

TEST(MsraMinerPackTest, BuiltInPackIsTheDataFile) {
  std::vector<Pack> builtin = BuiltinPacks();
  // The station has no data folder: a binary without the embedded pack cannot hunt MsraMiner,
  // so a build that lost it (src/host/CMakeLists.txt, cmake/OtguardEmbed.cmake) is broken.
  ASSERT_EQ(builtin.size(), 1u) << "data/ioc/msraminer.toml is not embedded in this build";
  Pack file = MsraMiner();
  EXPECT_EQ(builtin[0].origin, "built-in");
  file.origin = "built-in";
  EXPECT_TRUE(builtin[0] == file) << "rebuild: data/ioc/msraminer.toml changed";
}

// --- the writer ---

// A URL indicator is a literal: the normal form changes only what RFC 3986 says is equal
// (case of scheme and host, default port, percent-escape case) and drops the user part and
// the fragment, which the server never sees.
TEST(IocValuesTest, UrlsHaveANormalFormThatKeepsThePath) {
  using ioc_internal::NormalizeUrl;
  auto n = [](std::string_view u) { return NormalizeUrl(u).value_or("ERROR"); };
  EXPECT_EQ(n("HTTPS://Raw.GitHubUserContent.com/Evil-Actor/Payloads/main/stage2.sh"),
            "https://raw.githubusercontent.com/Evil-Actor/Payloads/main/stage2.sh");
  EXPECT_EQ(n("http://87.251.86.178:80/pp/PP.PNG"), "http://87.251.86.178/pp/PP.PNG");
  EXPECT_EQ(n("https://user:pw@cdn.example:8443?a=%2f#x"), "https://cdn.example:8443/?a=%2F");
  EXPECT_EQ(n("http://[2001:DB8::2]:4431/f"), "http://[2001:db8::2]:4431/f");
  EXPECT_EQ(n("stratum+tcp://pool.example:45560"), "stratum+tcp://pool.example:45560/");
  for (const char* bad : {"raw.example.com/x", "https://*.example.com/", "http://localhost/x",
                          "http://a.example:0/", "http://a.example:99999/", "http://a b.example/",
                          "http://[::1/", "://x.example/", "1http://x.example/", "http:///x"}) {
    EXPECT_FALSE(NormalizeUrl(bad).has_value()) << bad;
  }
  EXPECT_EQ(ioc_internal::UrlMatchKey("https://a.example/x"), "web|a.example/x");
  EXPECT_EQ(ioc_internal::UrlMatchKey("http://a.example/x"), "web|a.example/x");
  EXPECT_EQ(ioc_internal::UrlMatchKey("ftp://a.example/x"), "ftp|a.example/x");
}

TEST(PackTomlTest, UrlsRoundTripInNormalForm) {
  auto pack = ParsePack(R"(format = 1
id = "u"
name = "U"
version = "1"
[[indicator]]
id = "stage2"
title = "Stage 2 on a code host"
kind = "remote-endpoint"
severity = "high"
urls = ["HTTPS://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh#top"]
)",
                        "u.toml");
  ASSERT_TRUE(pack.has_value()) << pack.error().ToString();
  EXPECT_EQ(pack->indicators[0].urls,
            std::vector<std::string>{
                "https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh"});
  auto again = ParsePack(PackToToml(*pack), "u.toml");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->indicators, pack->indicators);
}

TEST(PackTomlTest, AwkwardStringsRoundTrip) {
  Pack pack;
  pack.id = "awkward";
  pack.name = "Quotes ' \" and \\ backslashes";
  pack.version = "1";
  pack.description = "two\nlines with 'quotes'";
  pack.prevention = {"tab\there", "ünïcödé ✓", "C:\\Windows\\"};
  Indicator i;
  i.id = "x";
  i.title = "it's \"quoted\"";
  i.kind = IndicatorKind::kFile;
  i.severity = Severity::kLow;
  i.paths = {"C:\\it's\\*", "/tmp/\"x\"", "%SystemRoot%\\**"};
  i.yara = "rule a {\n  strings: $a = \"x\"\n  condition: $a\n}\n";
  i.remediation = "line 1\r\nline 2";
  pack.indicators.push_back(i);
  i.id = "y";
  i.yara = "rule b { condition: true }";
  i.remediation = "a 'quoted' line\nand \\ another";
  pack.indicators.push_back(i);
  auto again = ParsePack(PackToToml(pack), "");
  ASSERT_TRUE(again.has_value()) << again.error().ToString() << "\n" << PackToToml(pack);
  pack.origin = "";
  EXPECT_TRUE(*again == pack) << PackToToml(pack);
}

TEST(PackTomlTest, LoadPackFileNamesTheFile) {
  auto missing = LoadPackFile(SourcePath("data/ioc/no-such-pack.toml"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  const auto dir =
      std::filesystem::temp_directory_path() /
      ("otguard_ioc_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bad.toml").string();
  std::ofstream(path) << "format = 1\nid = \"x\"\nname = \"x\"\nversion = \"1\"\nnames = []\n";
  auto bad = LoadPackFile(path);
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(),
            path + ":5:1: unknown key 'names' at the top of the pack (did you mean 'name'?)");
}

TEST(PackTomlTest, RefusesHugePacks) {
  std::string text(ioc_internal::kMaxPackBytes + 1, '#');
  auto pack = ParsePack(text, "big.toml");
  ASSERT_FALSE(pack.has_value());
  EXPECT_NE(pack.error().message().find("16 MiB"), std::string::npos);
}

TEST(PackTomlTest, AcceptsMissingTechniqueAndEmptyPack) {
  auto pack = ParsePack(
      "format = 1\nid = \"p\"\nname = \"P\"\nversion = \"1\"\n"
      "[[indicator]]\nid = \"a\"\nkind = \"file\"\ntitle = \"A\"\nseverity = \"info\"\n"
      "sha256 = [\"" +
          std::string(64, 'A') + "\"]\n",
      "t");
  ASSERT_TRUE(pack.has_value()) << pack.error().ToString();
  EXPECT_EQ(pack->indicators[0].technique, "");
  EXPECT_EQ(pack->indicators[0].sha256[0], std::string(64, 'a'));
  EXPECT_TRUE(
      ParsePack("format = 1\nid = \"p\"\nname = \"P\"\nversion = \"1\"\n", "t").has_value());
}

TEST(PackTomlTest, NormalizesRegistryHives) {
  auto pack = ParsePack(
      "format = 1\nid = \"p\"\nname = \"P\"\nversion = \"1\"\n"
      "[[indicator]]\nid = \"a\"\nkind = \"registry\"\ntitle = \"A\"\nseverity = \"info\"\n"
      "registry_key = 'hkey_local_machine\\SOFTWARE\\X\\'\n",
      "t");
  ASSERT_TRUE(pack.has_value()) << pack.error().ToString();
  EXPECT_EQ(pack->indicators[0].registry_key, "HKLM\\SOFTWARE\\X");
}

// --- every validation error, with its position ---

struct BadPack {
  const char* name;
  std::string indicator;  // the [[indicator]] body (line 6 on), or a whole pack if header
  std::string error;      // expected message after "t.toml:"
  bool whole = false;
};

std::string PackText(const BadPack& b) {
  if (b.whole) return b.indicator;
  return "format = 1\nid = \"p\"\nname = \"P\"\nversion = \"1\"\n[[indicator]]\n" + b.indicator;
}

// Lines 1-5 are the pack header; an indicator's first key is on line 6.
const std::string kOk = "id = \"a\"\ntitle = \"A\"\nseverity = \"high\"\n";  // lines 6-8

class BadPackTest : public ::testing::TestWithParam<BadPack> {};

TEST_P(BadPackTest, IsRefusedWithPosition) {
  auto pack = ParsePack(PackText(GetParam()), "t.toml");
  ASSERT_FALSE(pack.has_value()) << PackText(GetParam());
  EXPECT_EQ(pack.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pack.error().message(), "t.toml:" + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadPackTest,
    ::testing::Values(
        BadPack{"TomlSyntax", "format = 1\nid = \"p\n",
                "2:8: Error while parsing string: unescaped control characters other than TAB "
                "(U+0009) are explicitly prohibited",
                true},
        BadPack{"MissingFormat", "id = \"p\"\n", "1:1: missing 'format = 1'", true},
        BadPack{"FutureFormat", "id = \"p\"\nformat = 2\n",
                "2:10: unsupported pack format 2 (this otguard reads 1)", true},
        BadPack{"FormatNotInteger", "format = \"1\"\n", "1:10: 'format' must be an integer", true},
        BadPack{"MissingId", "format = 1\nname = \"P\"\nversion = \"1\"\n",
                "1:1: missing pack 'id'", true},
        BadPack{"MissingName", "format = 1\nid = \"p\"\nversion = \"1\"\n",
                "1:1: missing pack 'name'", true},
        BadPack{"MissingVersion", "format = 1\nid = \"p\"\nname = \"P\"\n",
                "1:1: missing pack 'version'", true},
        BadPack{"BadPackId", "format = 1\nid = \"My Pack\"\n",
                "2:6: pack id must be lower-case letters, digits, - _ .", true},
        BadPack{"UnknownTopKey", "format = 1\nid = \"p\"\nreferneces = []\n",
                "3:1: unknown key 'referneces' at the top of the pack (did you mean 'references'?)",
                true},
        BadPack{"IndicatorNotTables", "format = 1\nid = \"p\"\nindicator = [1]\n",
                "3:13: 'indicator' must be [[indicator]] tables", true},
        BadPack{"MissingKind", kOk, "5:1: [[indicator]] needs a kind"},
        BadPack{"UnknownKind", "kind = \"files\"\n",
                "6:8: unknown kind 'files' (file, process, service, registry, listening-port, "
                "remote-endpoint, scheduled-task, autorun)"},
        BadPack{"UnknownKey", "kind = \"file\"\n" + kOk + "pahts = ['x']\n",
                "10:1: unknown key 'pahts' in [[indicator]] (did you mean 'paths'?)"},
        BadPack{"NotApplicable", "kind = \"file\"\n" + kOk + "registry_key = 'HKLM\\X'\n",
                "10:1: 'registry_key' does not apply to kind 'file' (only to: registry)"},
        BadPack{"PortsOnProcess", "kind = \"process\"\n" + kOk + "ports = [1]\n",
                "10:1: 'ports' does not apply to kind 'process' (only to: listening-port, "
                "remote-endpoint)"},
        BadPack{"DescriptionsOnFile", "kind = \"file\"\n" + kOk + "descriptions = ['x']\n",
                "10:1: 'descriptions' does not apply to kind 'file' (only to: service)"},
        BadPack{"MissingId2",
                "kind = \"file\"\ntitle = \"A\"\nseverity = \"high\"\npaths = ['x']\n",
                "5:1: [[indicator]] needs an id"},
        BadPack{"BadId", "kind = \"file\"\nid = \"a b\"\n",
                "7:6: id must be letters, digits and . _ : - (at most 128)"},
        BadPack{"MissingTitle", "kind = \"file\"\nid = \"a\"\nseverity = \"high\"\npaths = ['x']\n",
                "5:1: indicator 'a' needs a title"},
        BadPack{"MissingSeverity", "kind = \"file\"\nid = \"a\"\ntitle = \"A\"\npaths = ['x']\n",
                "5:1: indicator 'a' needs a severity"},
        BadPack{"UnknownSeverity", "kind = \"file\"\nseverity = \"severe\"\n",
                "7:12: unknown severity 'severe' (info, low, medium, high, critical)"},
        BadPack{"UnknownTechnique", "kind = \"file\"\ntechnique = \"T1059\"\n",
                "7:13: unknown ATT&CK for ICS technique 'T1059' "
                "(https://attack.mitre.org/techniques/ics/)"},
        BadPack{"BadOs", "kind = \"file\"\nos = \"win\"\n",
                "7:6: os must be \"windows\", \"linux\" or \"any\""},
        BadPack{"NoCondition", "kind = \"file\"\n" + kOk,
                "5:1: indicator 'a' has no condition that "
                "selects objects (only not_* conditions, flags or nothing)"},
        BadPack{"OnlyNotConditions",
                "kind = \"process\"\n" + kOk + "not_paths = ['x']\nnot_parents = ['y']\n",
                "5:1: indicator 'a' has no condition that selects objects (only not_* conditions, "
                "flags or nothing)"},
        BadPack{"WrongType", "kind = \"file\"\n" + kOk + "paths = 'C:\\x'\n",
                "10:9: 'paths' must be an array of strings"},
        BadPack{"WrongElementType", "kind = \"file\"\n" + kOk + "paths = ['a', 2]\n",
                "10:15: 'paths' must be an array of strings"},
        BadPack{"EmptyList", "kind = \"file\"\n" + kOk + "paths = []\n", "10:9: 'paths' is empty"},
        BadPack{"EmptyGlob", "kind = \"file\"\n" + kOk + "paths = ['']\n",
                "10:10: 'paths' has an empty string"},
        BadPack{"ControlInGlob", "kind = \"file\"\n" + kOk + "names = [\"a\\u0001\"]\n",
                "10:10: 'names' has a control character"},
        BadPack{"ShortMd5", "kind = \"file\"\n" + kOk + "md5 = ['abc']\n",
                "10:8: md5: hash 'abc' has 3 characters, not 32 hex digits"},
        BadPack{"NotHexSha1",
                "kind = \"file\"\n" + kOk + "sha1 = ['" + std::string(40, 'z') + "']\n",
                "10:9: sha1: hash '" + std::string(40, 'z') + "' is not hexadecimal"},
        BadPack{"PortZero", "kind = \"listening-port\"\n" + kOk + "ports = [80, 0]\n",
                "10:14: a port must be an integer 1..65535"},
        BadPack{"PortTooBig", "kind = \"listening-port\"\n" + kOk + "ports = [65536]\n",
                "10:10: a port must be an integer 1..65535"},
        BadPack{"BadProtocol",
                "kind = \"listening-port\"\n" + kOk + "protocol = \"TCP\"\nports = [1]\n",
                "10:12: protocol must be \"tcp\" or \"udp\" (leave it out for both)"},
        BadPack{"BadAddress", "kind = \"remote-endpoint\"\n" + kOk + "addresses = ['1.2.3.400']\n",
                "10:14: addresses: '1.2.3.400' is not an IPv4 or IPv6 address (or address/prefix)"},
        BadPack{"HostBits", "kind = \"remote-endpoint\"\n" + kOk + "addresses = ['45.76.0.1/16']\n",
                "10:14: addresses: '45.76.0.1/16': address has bits set beyond the prefix length"},
        BadPack{"BadDomain", "kind = \"remote-endpoint\"\n" + kOk + "domains = ['bad_.-x.com']\n",
                "10:12: domains: domain 'bad_.-x.com': a label starts or ends with '-'"},
        BadPack{"UrlWithoutScheme",
                "kind = \"remote-endpoint\"\n" + kOk + "urls = ['raw.example.com/x']\n",
                "10:9: urls: URL 'raw.example.com/x': needs scheme://host"},
        BadPack{"UrlWildcardHost",
                "kind = \"remote-endpoint\"\n" + kOk + "urls = ['https://*.example.com/x']\n",
                "10:9: urls: URL 'https://*.example.com/x': the host is not a name"},
        BadPack{"UrlWithPorts",
                "kind = \"remote-endpoint\"\n" + kOk +
                    "urls = ['https://a.example/x']\nports = [443]\n",
                "5:1: indicator 'a': domains and urls (looked for in command lines) cannot be "
                "combined with ports, addresses or protocol (looked for in connections); make two "
                "indicators"},
        BadPack{"DomainWithAddress",
                "kind = \"remote-endpoint\"\n" + kOk +
                    "domains = ['a.example']\naddresses = ['192.0.2.1']\n",
                "5:1: indicator 'a': domains and urls (looked for in command lines) cannot be "
                "combined with ports, addresses or protocol (looked for in connections); make two "
                "indicators"},
        BadPack{"BadHive", "kind = \"registry\"\n" + kOk + "registry_key = 'HKXX\\Software'\n",
                "10:16: registry_key must start with HKLM\\, HKU\\, HKCU\\ or HKCR\\"},
        BadPack{"GlobInKey", "kind = \"registry\"\n" + kOk + "registry_key = 'HKLM\\Soft*'\n",
                "10:16: registry_key is a key path, not a glob (use value_names for globs)"},
        BadPack{"RegistryWithoutKey", "kind = \"registry\"\n" + kOk + "value_names = ['x']\n",
                "5:1: indicator 'a' (registry) needs a registry_key"},
        BadPack{"RegistryOnLinux",
                "kind = \"registry\"\n" + kOk + "os = \"linux\"\nregistry_key = 'HKLM\\X'\n",
                "5:1: indicator 'a': registry indicators are Windows"},
        BadPack{"WordsNotLists", "kind = \"service\"\n" + kOk + "name_words = ['a', 'b']\n",
                "10:15: 'name_words' must be an array of arrays of words"},
        BadPack{"WordWithGlob", "kind = \"service\"\n" + kOk + "name_words = [['a*']]\n",
                "10:15: name_words: 'a*' is not a word of letters and digits"},
        BadPack{"FlagNotBool", "kind = \"process\"\n" + kOk + "names = ['x']\nend_parent = 1\n",
                "11:14: 'end_parent' must be true or false"},
        BadPack{"YaraWithoutRule", "kind = \"file\"\n" + kOk + "yara = 'condition: true'\n",
                "10:8: yara must hold YARA rule source (no 'rule' in it)"},
        BadPack{"TitleTwoLines", "kind = \"file\"\ntitle = \"a\\nb\"\n",
                "7:9: 'title' has a control character"},
        BadPack{"DuplicateId",
                "kind = \"file\"\n" + kOk + "paths = ['x']\n[[indicator]]\nkind = \"file\"\n" +
                    kOk + "paths = ['y']\n",
                "11:1: duplicate indicator id 'a'"}),
    [](const ::testing::TestParamInfo<BadPack>& info) { return std::string(info.param.name); });

TEST(PackTextTest, OneLinePerIndicatorAndASummaryObject) {
  Pack p;
  p.id = "demo";
  p.version = "2";
  p.origin = "demo.toml";
  p.name = "Demo";
  Indicator i;
  i.id = "miner";
  i.kind = IndicatorKind::kProcess;
  i.severity = Severity::kCritical;
  i.technique = "T0849";
  i.title = "A miner";
  p.indicators = {i};
  std::string text = PackText(p);
  EXPECT_EQ(text.rfind("demo 2 (demo.toml): Demo, 1 indicators\n", 0), 0u) << text;
  EXPECT_NE(text.find("  miner "), std::string::npos);
  EXPECT_NE(text.find(" critical "), std::string::npos);
  EXPECT_NE(text.find("T0849 Masquerading"), std::string::npos) << text;
  nlohmann::json j = IndicatorSummary(p, i);
  EXPECT_EQ(j["pack"], "demo");
  EXPECT_EQ(j["severity"], "critical");
  EXPECT_EQ(j["technique_name"], "Masquerading");
  EXPECT_EQ(j["kind"], "process");
}

}  // namespace
}  // namespace otguard::host
