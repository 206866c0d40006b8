// ReadHistoryDir: the history files become one History; bad lines cost only themselves.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "otguard/host/allowlist.h"
#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

TEST(HistoryDir, ReadsEveryFileIntoOneHistoryAndCountsBadLines) {
  testutil::TempDir dir;
  std::string lines[2];
  for (int day = 0; day < 2; ++day) {
    for (int i = 0; i < 3; ++i) {
      ProcessObservation p;
      p.time = *EventTime::ParseRfc3339("2026-12-0" + std::to_string(4 + day) + "T0" +
                                        std::to_string(i) + ":00:00Z");
      p.pid = static_cast<uint32_t>(100 + i);
      p.executable = "/usr/bin/opcua-gw";
      p.sha256 = std::string(64, 'a');
      lines[day] += ObservationToJson(p) + "\n";
    }
  }
  std::ofstream(dir.path() + "/2026-12-04.jsonl") << lines[0] << "not json\n";
  std::ofstream(dir.path() + "/2026-12-05.jsonl") << lines[1];
  HistoryReadReport report;
  auto history = ReadHistoryDir(dir.path(), &report);
  ASSERT_TRUE(history) << history.error().ToString();
  EXPECT_EQ(history->observations(), 6u);
  auto processes = history->processes();
  ASSERT_EQ(processes.size(), 1u);
  EXPECT_EQ(processes[0].seen.count, 6u);
  EXPECT_EQ(processes[0].seen.days_seen, 2u);
  EXPECT_EQ(report.bad_lines, 1u);
  EXPECT_EQ(report.files, 2u);
  EXPECT_FALSE(ReadHistoryDir(dir.path() + "/missing", nullptr));
}

}  // namespace
}  // namespace otguard::host
