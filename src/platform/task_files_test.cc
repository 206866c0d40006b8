#include "platform/task_files.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace otguard::platform::internal {
namespace {

// A task as the Task Scheduler writes it (schtasks /create, Windows 7), trimmed.
constexpr char kUpdaterTask[] = R"(<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Date>2017-05-12T03:14:07</Date>
    <Author>PLANT\engineer</Author>
  </RegistrationInfo>
  <Triggers>
    <BootTrigger><Enabled>true</Enabled></BootTrigger>
    <CalendarTrigger>
      <StartBoundary>2017-05-12T03:00:00</StartBoundary>
      <ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>S-1-5-18</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <Enabled>true</Enabled>
    <Hidden>true</Hidden>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>"C:\Program Files\Vendor\upd.exe"</Command>
      <Arguments>-q &amp; -x &quot;a&lt;b&gt;&apos; &#65;&#x42;</Arguments>
    </Exec>
    <Exec>
      <Command>%windir%\system32\cmd.exe</Command>
    </Exec>
  </Actions>
</Task>
)";

// UTF-16LE with a byte order mark: what the Task Scheduler writes.
std::string Utf16Le(const std::string& ascii_or_utf8, bool bom = true) {
  std::string out = bom ? std::string("\xFF\xFE", 2) : std::string();
  for (size_t i = 0; i < ascii_or_utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(ascii_or_utf8[i]);
    uint32_t cp = c;
    if (c >= 0xC0 && c < 0xE0 && i + 1 < ascii_or_utf8.size()) {  // two-byte UTF-8 only
      cp = (c & 0x1F) << 6 | (static_cast<unsigned char>(ascii_or_utf8[++i]) & 0x3F);
    }
    out.push_back(static_cast<char>(cp & 0xFF));
    out.push_back(static_cast<char>(cp >> 8));
  }
  return out;
}

TEST(ParseTaskXml, ReadsActionsPrincipalTriggersAndEntities) {
  for (const std::string& bytes :
       {std::string(kUpdaterTask), Utf16Le(kUpdaterTask), Utf16Le(kUpdaterTask, /*bom=*/false),
        "\xEF\xBB\xBF" + std::string(kUpdaterTask)}) {
    auto task = ParseTaskXml(bytes);
    ASSERT_TRUE(task.has_value()) << task.error().ToString();
    ASSERT_EQ(task->actions.size(), 2u);
    EXPECT_EQ(task->actions[0].command, "\"C:\\Program Files\\Vendor\\upd.exe\"");
    EXPECT_EQ(task->actions[0].arguments, "-q & -x \"a<b>' AB");
    EXPECT_EQ(task->actions[1].command, "%windir%\\system32\\cmd.exe");
    EXPECT_EQ(task->actions[1].arguments, "");
    EXPECT_EQ(task->user, "S-1-5-18");
    EXPECT_EQ(task->author, "PLANT\\engineer");
    EXPECT_TRUE(task->enabled);
    EXPECT_EQ(task->schedule, "BootTrigger,CalendarTrigger");
    EXPECT_TRUE(task->com_handlers.empty());
  }
}

TEST(ParseTaskXml, DisabledTaskWithPrefixesCommentsCdataAndGroup) {
  const std::string xml = R"(<?xml version="1.0"?>
<!DOCTYPE t:Task [ <!ENTITY x "<not expanded>"> ]>
<!-- a comment with <Exec> inside -->
<t:Task xmlns:t="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <t:Principals><t:Principal id="x"><t:GroupId>S-1-5-32-545</t:GroupId></t:Principal></t:Principals>
  <t:Settings><t:Enabled>false</t:Enabled></t:Settings>
  <t:Triggers><t:LogonTrigger/></t:Triggers>
  <t:Actions>
    <t:Exec><t:Command><![CDATA[C:\a&b\<x>.exe]]></t:Command><t:Arguments/></t:Exec>
    <t:ComHandler><t:ClassId>{A6BA00FE-40E8-477C-B713-C64A14F18ADB}</t:ClassId></t:ComHandler>
  </t:Actions>
</t:Task>)";
  auto task = ParseTaskXml(xml);
  ASSERT_TRUE(task.has_value()) << task.error().ToString();
  ASSERT_EQ(task->actions.size(), 1u);
  EXPECT_EQ(task->actions[0].command, "C:\\a&b\\<x>.exe");
  EXPECT_EQ(task->actions[0].arguments, "");
  EXPECT_EQ(task->user, "S-1-5-32-545");
  EXPECT_FALSE(task->enabled);
  EXPECT_EQ(task->schedule, "LogonTrigger");
  ASSERT_EQ(task->com_handlers.size(), 1u);
  EXPECT_EQ(task->com_handlers[0], "{A6BA00FE-40E8-477C-B713-C64A14F18ADB}");
}

TEST(ParseTaskXml, NonAsciiCommandSurvivesUtf16) {
  const std::string xml =
      "<Task><Actions><Exec><Command>C:\\Pr\xC3\xBC"
      "fstand\\hmi.exe</Command></Exec></Actions>"
      "</Task>";
  auto task = ParseTaskXml(Utf16Le(xml));
  ASSERT_TRUE(task.has_value()) << task.error().ToString();
  ASSERT_EQ(task->actions.size(), 1u);
  EXPECT_EQ(task->actions[0].command,
            "C:\\Pr\xC3\xBC"
            "fstand\\hmi.exe");
}

TEST(ParseTaskXml, UserIdWinsOverALaterGroupId) {
  auto task = ParseTaskXml(
      "<Task><Principals><Principal><UserId>PLANT\\svc</UserId><GroupId>S-1-5-32-544</GroupId>"
      "</Principal></Principals></Task>");
  ASSERT_TRUE(task.has_value()) << task.error().ToString();
  EXPECT_EQ(task->user, "PLANT\\svc");
  EXPECT_TRUE(task->actions.empty());
  EXPECT_EQ(task->schedule, "");
}

TEST(ParseTaskXml, MalformedInputIsInvalidArgument) {
  const std::vector<std::string> bad = {
      "",
      "   ",
      "not xml at all",
      "<Task>",                      // truncated
      "<Task><Actions></Task>",      // mismatched end tag
      "<Task></Task><Task></Task>",  // two roots
      "<Task><Actions><Exec><Command>a &bogus; b</Command></Exec></Actions></Task>",
      "<Task><Actions><Exec><Command>a & b</Command></Exec></Actions></Task>",
      "<Task><Actions><Exec><Command>&#0;</Command></Exec></Actions></Task>",
      "<Task><Actions><Exec><Command>&#xD800;</Command></Exec></Actions></Task>",
      "<Task><!-- unterminated comment </Task>",
      "<Task><![CDATA[ unterminated </Task>",
      "<Task attr=\"unterminated></Task>",
      "<Task><a <b>></a></Task>",
      "stray text <Task></Task>",
      "<Schedule><Exec/></Schedule>",  // not a task
      "<Task>" + std::string(100, '\0') + "</Task>",
  };
  for (const auto& xml : bad) {
    auto task = ParseTaskXml(xml);
    ASSERT_FALSE(task.has_value()) << "accepted: " << xml;
    EXPECT_EQ(task.error().code(), StatusCode::kInvalidArgument) << xml;
  }
}

TEST(ParseTaskXml, DeepNestingAndHugeInputAreRefusedNotRecursed) {
  std::string deep = "<Task>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  auto nested = ParseTaskXml(deep);
  ASSERT_FALSE(nested.has_value());
  EXPECT_EQ(nested.error().code(), StatusCode::kInvalidArgument);

  std::string huge = "<Task>" + std::string(kMaxTaskFileBytes, ' ') + "</Task>";
  auto big = ParseTaskXml(huge);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), StatusCode::kInvalidArgument);
}

// ---- .job files, built by hand as [MS-TSCH] 2.4 lays them out ----

void PutLe16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}
void PutLe32(std::string* out, uint32_t v) {
  PutLe16(out, static_cast<uint16_t>(v & 0xFFFF));
  PutLe16(out, static_cast<uint16_t>(v >> 16));
}
// 2.4.2.1: a character count including the NUL, then UTF-16LE; an empty field has count 0.
void PutCountedString(std::string* out, const std::string& ascii) {
  if (ascii.empty()) {
    PutLe16(out, 0);
    return;
  }
  PutLe16(out, static_cast<uint16_t>(ascii.size() + 1));
  for (char c : ascii) PutLe16(out, static_cast<uint16_t>(static_cast<unsigned char>(c)));
  PutLe16(out, 0);
}

struct JobTrigger {
  uint32_t type;  // 1 daily, 6 at system start ...
  uint16_t hour;
  uint16_t minute;
};

std::string MakeJob(const std::string& app, const std::string& params, uint32_t flags,
                    const std::vector<JobTrigger>& triggers) {
  // Variable-length section first, to know where the triggers start.
  std::string var;
  PutLe16(&var, 0);  // Running Instance Count
  PutCountedString(&var, app);
  PutCountedString(&var, params);
  PutCountedString(&var, "C:\\WINDOWS\\system32");  // Working Directory
  PutCountedString(&var, "OPS\\admin");             // Author
  PutCountedString(&var, "nightly export");         // Comment
  PutLe16(&var, 0);                                 // User Data size
  PutLe16(&var, 8);                                 // Reserved Data size, then TASKRESERVED1
  PutLe32(&var, 0);                                 //   Start Error
  PutLe32(&var, 0);                                 //   Task Flags
  const size_t trigger_offset = 68 + var.size();
  PutLe16(&var, static_cast<uint16_t>(triggers.size()));
  for (const auto& t : triggers) {
    std::string trigger;
    PutLe16(&trigger, 48);                                          // Trigger Size
    PutLe16(&trigger, 0);                                           // Reserved1
    for (uint16_t v : {2009, 3, 1, 0, 0, 0}) PutLe16(&trigger, v);  // begin and end dates
    PutLe16(&trigger, t.hour);
    PutLe16(&trigger, t.minute);
    PutLe32(&trigger, 0);  // MinutesDuration
    PutLe32(&trigger, 0);  // MinutesInterval
    PutLe32(&trigger, 0);  // Flags
    PutLe32(&trigger, t.type);
    for (int i = 0; i < 3; ++i) PutLe16(&trigger, 1);  // TriggerSpecific0..2
    PutLe16(&trigger, 0);                              // Padding
    PutLe16(&trigger, 0);                              // Reserved2
    PutLe16(&trigger, 0);                              // Reserved3
    EXPECT_EQ(trigger.size(), 48u);
    var += trigger;
  }
  std::string job;
  PutLe16(&job, 0x0501);           // Product Version: XP
  PutLe16(&job, 1);                // File Version
  job += std::string(16, '\x5A');  // Job uuid
  PutLe16(&job, 70);               // App Name Len Offset: after the running instance count
  PutLe16(&job, static_cast<uint16_t>(trigger_offset));
  PutLe16(&job, 3);           // Error Retry Count
  PutLe16(&job, 1);           // Error Retry Interval
  PutLe16(&job, 10);          // Idle Deadline
  PutLe16(&job, 10);          // Idle Wait
  PutLe32(&job, 0x20);        // Priority: NORMAL_PRIORITY_CLASS
  PutLe32(&job, 259200000);   // Maximum Run Time
  PutLe32(&job, 0);           // Exit Code
  PutLe32(&job, 0x00041300);  // Status: SCHED_S_TASK_READY
  PutLe32(&job, flags);
  job += std::string(16, '\0');  // Last Run Time
  EXPECT_EQ(job.size(), 68u);
  return job + var;
}

TEST(ParseJobFile, ReadsApplicationParametersAuthorAndTriggers) {
  const std::string job = MakeJob("C:\\WINDOWS\\system32\\ntbackup.exe", "backup systemstate /F x",
                                  0, {{1, 3, 5}, {6, 0, 0}});
  auto task = ParseJobFile(job);
  ASSERT_TRUE(task.has_value()) << task.error().ToString();
  ASSERT_EQ(task->actions.size(), 1u);
  EXPECT_EQ(task->actions[0].command, "C:\\WINDOWS\\system32\\ntbackup.exe");
  EXPECT_EQ(task->actions[0].arguments, "backup systemstate /F x");
  EXPECT_EQ(task->author, "OPS\\admin");
  EXPECT_EQ(task->user, "");
  EXPECT_TRUE(task->enabled);
  EXPECT_EQ(task->schedule, "daily 03:05,boot");
}

TEST(ParseJobFile, DisabledFlagAndEmptyParameters) {
  auto task = ParseJobFile(MakeJob("C:\\x.exe", "", /*TASK_FLAG_DISABLED*/ 0x4, {{7, 0, 0}}));
  ASSERT_TRUE(task.has_value()) << task.error().ToString();
  EXPECT_FALSE(task->enabled);
  EXPECT_EQ(task->actions[0].arguments, "");
  EXPECT_EQ(task->schedule, "logon");
}

TEST(ParseJobFile, EveryTruncationIsInvalidArgument) {
  const std::string job = MakeJob("C:\\x.exe", "-a", 0, {{1, 3, 0}});
  for (size_t size = 0; size < job.size(); ++size) {
    auto task = ParseJobFile(job.substr(0, size));
    ASSERT_FALSE(task.has_value()) << "accepted a job cut at " << size;
    EXPECT_EQ(task.error().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ParseJobFile, WrongVersionAndWildOffsetsAreInvalidArgument) {
  std::string job = MakeJob("C:\\x.exe", "", 0, {});
  std::string wrong_version = job;
  wrong_version[2] = 2;
  EXPECT_FALSE(ParseJobFile(wrong_version).has_value());
  std::string wild_app = job;
  wild_app[20] = '\xFF';
  wild_app[21] = '\xFF';
  EXPECT_FALSE(ParseJobFile(wild_app).has_value());
  std::string wild_triggers = job;
  wild_triggers[22] = '\xF0';
  wild_triggers[23] = '\xFF';
  EXPECT_FALSE(ParseJobFile(wild_triggers).has_value());
  // A count claiming more characters than the file holds.
  std::string long_name = job;
  long_name[70] = '\xFF';
  long_name[71] = '\x7F';
  EXPECT_FALSE(ParseJobFile(long_name).has_value());
}

}  // namespace
}  // namespace otguard::platform::internal
