#include "otguard/nba/capture.h"

#include <gtest/gtest.h>

#include <fstream>

#include "nba/testing/replay.h"
#include "testing/temp_dir.h"

namespace otguard::nba {
namespace {

using testing::Pcap;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CaptureTest, PcapAndPcapngBothRead) {
  for (const char* name : {"wannacry.pcap", "mining.pcapng"}) {
    auto source = OpenCaptureFiles({Pcap(name)});
    ASSERT_TRUE(source) << source.error().ToString();
    Frame f;
    uint64_t n = 0;
    while ((*source)->Next(f)) ++n;
    EXPECT_GT(n, 100u) << name;
    EXPECT_TRUE((*source)->counters().errors.empty()) << name;
  }
}

uint64_t CountFrames(const std::vector<std::filesystem::path>& files) {
  auto source = OpenCaptureFiles(files);
  Frame f;
  uint64_t n = 0;
  while (source && (*source)->Next(f)) ++n;
  return n;
}

TEST(CaptureTest, SeveralFilesAreMergedInTimeOrder) {
  auto source = OpenCaptureFiles({Pcap("wannacry.pcap"), Pcap("modbus-scada-mb2.pcap")});
  ASSERT_TRUE(source);
  Frame f;
  Micros last = 0;
  uint64_t n = 0, decreases = 0;
  while ((*source)->Next(f)) {
    if (f.ts < last) ++decreases;
    EXPECT_EQ(f.index, n);
    last = f.ts;
    ++n;
  }
  EXPECT_EQ(n, CountFrames({Pcap("wannacry.pcap")}) + CountFrames({Pcap("modbus-scada-mb2.pcap")}));
  EXPECT_EQ(decreases, 0u);
}

TEST(CaptureTest, RecordsOutOfTimeOrderAreCounted) {
  // The slow-scan capture was written in reverse chunks; it is read as is, and counted.
  auto source = OpenCaptureFiles({Pcap("smb-445-slow-scan.pcap")});
  ASSERT_TRUE(source);
  Frame f;
  while ((*source)->Next(f)) {
  }
  EXPECT_GT((*source)->counters().out_of_order, 5u);
}

TEST(CaptureTest, TruncatedFileKeepsWhatWasReadAndCountsIt) {
  testutil::TempDir dir;
  std::string whole = ReadFile(Pcap("wannacry.pcap"));
  std::string cut = dir.Write("cut.pcap", whole.substr(0, whole.size() / 2 + 7));
  auto source = OpenCaptureFiles({cut});
  ASSERT_TRUE(source);
  Frame f;
  uint64_t n = 0;
  while ((*source)->Next(f)) ++n;
  EXPECT_GT(n, 1000u);
  EXPECT_EQ((*source)->counters().truncated_files, 1u);
}

TEST(CaptureTest, NotACaptureAndBadFilterAreErrors) {
  testutil::TempDir dir;
  std::string junk = dir.Write("junk.pcap", "this is not a capture file at all");
  EXPECT_EQ(OpenCaptureFiles({junk}).error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenCaptureFiles({dir.File("absent.pcap")}).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenCaptureFiles({Pcap("wannacry.pcap")}, "tcp port banana").error().code(),
            StatusCode::kInvalidArgument);
}

TEST(CaptureTest, FilterSelectsPackets) {
  auto source = OpenCaptureFiles({Pcap("mining.pcapng")}, "tcp port 9050");
  ASSERT_TRUE(source);
  Frame f;
  uint64_t n = 0;
  while ((*source)->Next(f)) ++n;
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, 200u);
}

}  // namespace
}  // namespace otguard::nba
