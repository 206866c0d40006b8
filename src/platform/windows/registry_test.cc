#include "otguard/platform/registry.h"

#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "platform/windows/testing/registry_cleanup.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::Utf8ToWide;

using test_support::DeleteKeyTree;

// A key of its own under HKCU\Software, removed with everything in it at the end.
class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = "Software\\otguard-test-" + std::to_string(GetCurrentProcessId());
    DeleteKeyTree(HKEY_CURRENT_USER, Utf8ToWide(key_));  // a leftover of a crashed run
    ASSERT_EQ(RegCreateKeyExW(HKEY_CURRENT_USER, Utf8ToWide(key_).c_str(), 0, nullptr, 0,
                              KEY_ALL_ACCESS, nullptr, &handle_, nullptr),
              ERROR_SUCCESS);
  }
  void TearDown() override {
    if (handle_ != nullptr) RegCloseKey(handle_);
    DeleteKeyTree(HKEY_CURRENT_USER, Utf8ToWide(key_));
    HKEY gone = nullptr;
    EXPECT_EQ(RegOpenKeyExW(HKEY_CURRENT_USER, Utf8ToWide(key_).c_str(), 0, KEY_READ, &gone),
              ERROR_FILE_NOT_FOUND);
  }

  void Set(const std::string& name, DWORD type, const void* data, size_t bytes) {
    ASSERT_EQ(RegSetValueExW(handle_, Utf8ToWide(name).c_str(), 0, type,
                             static_cast<const BYTE*>(data), static_cast<DWORD>(bytes)),
              ERROR_SUCCESS);
  }
  // `with_nul` false stores the string without its terminator, as some installers do.
  void SetString(const std::string& name, DWORD type, const std::string& text,
                 bool with_nul = true) {
    std::wstring wide = Utf8ToWide(text);
    Set(name, type, wide.c_str(), (wide.size() + (with_nul ? 1 : 0)) * sizeof(wchar_t));
  }
  Result<RegistryValue> Read(const std::string& name) {
    return ReadRegistryValue(RegistryHive::kCurrentUser, key_, name);
  }

  std::string key_;
  HKEY handle_ = nullptr;
};

TEST_F(RegistryTest, ReadsStringsWithoutConversionLoss) {
  SetString("Plain", REG_SZ, "C:\\Program Files\\Vendor\\hmi.exe");
  SetString("Prüfstand_报警", REG_SZ, "Ölpumpe 报警 \xF0\x9F\x94\xA5");  // also a surrogate pair
  SetString("NoNul", REG_SZ, "abc", /*with_nul=*/false);
  SetString("Expand", REG_EXPAND_SZ, "%SystemRoot%\\System32\\x.dll");
  SetString("", REG_SZ, "the default value");

  auto plain = Read("Plain");
  ASSERT_TRUE(plain.has_value()) << plain.error().ToString();
  EXPECT_EQ(plain->type, RegistryType::kString);
  EXPECT_EQ(plain->text, "C:\\Program Files\\Vendor\\hmi.exe");
  EXPECT_EQ(plain->name, "Plain");

  auto unicode = Read("Prüfstand_报警");
  ASSERT_TRUE(unicode.has_value()) << unicode.error().ToString();
  EXPECT_EQ(unicode->text, "Ölpumpe 报警 \xF0\x9F\x94\xA5");

  auto no_nul = Read("NoNul");
  ASSERT_TRUE(no_nul.has_value());
  EXPECT_EQ(no_nul->text, "abc");

  auto expand = Read("Expand");
  ASSERT_TRUE(expand.has_value());
  EXPECT_EQ(expand->type, RegistryType::kExpandString);
  EXPECT_EQ(expand->text, "%SystemRoot%\\System32\\x.dll");  // not expanded

  auto default_value = Read("");
  ASSERT_TRUE(default_value.has_value());
  EXPECT_EQ(default_value->text, "the default value");
}

TEST_F(RegistryTest, ReadsMultiStringsIncludingEmptyOnes) {
  const wchar_t two[] = L"first\0zweite Ü\0";  // plus the array's own final NUL
  Set("Two", REG_MULTI_SZ, two, sizeof(two));
  const wchar_t empty[] = L"";  // a lone NUL
  Set("Empty", REG_MULTI_SZ, empty, sizeof(empty));
  Set("ZeroBytes", REG_MULTI_SZ, nullptr, 0);
  const wchar_t unterminated[] = {L'a', L'\0', L'b'};  // neither terminator on the last
  Set("Unterminated", REG_MULTI_SZ, unterminated, sizeof(unterminated));

  auto value = Read("Two");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->type, RegistryType::kMultiString);
  EXPECT_EQ(value->texts, (std::vector<std::string>{"first", "zweite Ü"}));
  for (const char* name : {"Empty", "ZeroBytes"}) {
    auto e = Read(name);
    ASSERT_TRUE(e.has_value()) << name;
    EXPECT_EQ(e->type, RegistryType::kMultiString) << name;
    EXPECT_TRUE(e->texts.empty()) << name;
  }
  auto u = Read("Unterminated");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->texts, (std::vector<std::string>{"a", "b"}));
}

TEST_F(RegistryTest, ReadsNumbersAndRawData) {
  DWORD dword = 0xDEADBEEF;
  Set("Dword", REG_DWORD, &dword, sizeof(dword));
  uint64_t qword = 0x0123456789ABCDEFULL;
  Set("Qword", REG_QWORD, &qword, sizeof(qword));
  // Larger than the first read's buffer, so the value is read with a second, bigger one.
  std::vector<uint8_t> blob(100'000);
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<uint8_t>(i * 7);
  Set("Blob", REG_BINARY, blob.data(), blob.size());
  const uint8_t big_endian[] = {0x00, 0x00, 0x01, 0x02};
  Set("BigEndian", REG_DWORD_BIG_ENDIAN, big_endian, sizeof(big_endian));

  auto d = Read("Dword");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->type, RegistryType::kDword);
  EXPECT_EQ(d->number, 0xDEADBEEFu);
  auto q = Read("Qword");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->type, RegistryType::kQword);
  EXPECT_EQ(q->number, 0x0123456789ABCDEFULL);
  auto b = Read("Blob");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->type, RegistryType::kBinary);
  EXPECT_EQ(b->bytes, blob);
  auto other = Read("BigEndian");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->type, RegistryType::kOther);
  EXPECT_EQ(other->bytes, std::vector<uint8_t>(big_endian, big_endian + 4));
}

TEST_F(RegistryTest, MissingValuesAndKeysAreNotFound) {
  auto value = Read("NoSuchValue");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().code(), StatusCode::kNotFound);
  EXPECT_NE(value.error().message().find("HKCU\\" + key_), std::string::npos)
      << value.error().ToString();

  const std::string missing = key_ + "\\no\\such\\key";
  auto from_key = ReadRegistryValue(RegistryHive::kCurrentUser, missing, "x");
  ASSERT_FALSE(from_key.has_value());
  EXPECT_EQ(from_key.error().code(), StatusCode::kNotFound);
  auto values = ListRegistryValues(RegistryHive::kCurrentUser, missing);
  ASSERT_FALSE(values.has_value());
  EXPECT_EQ(values.error().code(), StatusCode::kNotFound);
  auto subkeys = ListRegistrySubkeys(RegistryHive::kCurrentUser, missing);
  ASSERT_FALSE(subkeys.has_value());
  EXPECT_EQ(subkeys.error().code(), StatusCode::kNotFound);
}

TEST_F(RegistryTest, ListsSubkeysAndValues) {
  for (const char* name : {"Alpha", "Überwachung", "Gamma"}) {
    HKEY sub = nullptr;
    ASSERT_EQ(RegCreateKeyExW(handle_, Utf8ToWide(name).c_str(), 0, nullptr, 0, KEY_ALL_ACCESS,
                              nullptr, &sub, nullptr),
              ERROR_SUCCESS);
    RegCloseKey(sub);
  }
  SetString("Name", REG_SZ, "x");
  DWORD one = 1;
  Set("Enabled", REG_DWORD, &one, sizeof(one));
  SetString("", REG_SZ, "default");

  auto subkeys = ListRegistrySubkeys(RegistryHive::kCurrentUser, key_);
  ASSERT_TRUE(subkeys.has_value()) << subkeys.error().ToString();
  std::sort(subkeys->begin(), subkeys->end());
  EXPECT_EQ(*subkeys, (std::vector<std::string>{"Alpha", "Gamma", "Überwachung"}));

  auto values = ListRegistryValues(RegistryHive::kCurrentUser, key_);
  ASSERT_TRUE(values.has_value()) << values.error().ToString();
  ASSERT_EQ(values->size(), 3u);
  std::sort(values->begin(), values->end(),
            [](const RegistryValue& a, const RegistryValue& b) { return a.name < b.name; });
  EXPECT_EQ((*values)[0].name, "");
  EXPECT_EQ((*values)[0].text, "default");
  EXPECT_EQ((*values)[1].name, "Enabled");
  EXPECT_EQ((*values)[1].number, 1u);
  EXPECT_EQ((*values)[2].name, "Name");
  EXPECT_EQ((*values)[2].type, RegistryType::kString);

  auto alpha = ListRegistryValues(RegistryHive::kCurrentUser, key_ + "\\Alpha");
  ASSERT_TRUE(alpha.has_value());
  EXPECT_TRUE(alpha->empty());
}

TEST(RegistryHostTest, ReadsTheNativeViewOfLocalMachine) {
  // Present on every Windows since NT; in the 64-bit view also for the 32-bit build.
  auto root = ReadRegistryValue(RegistryHive::kLocalMachine,
                                "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "SystemRoot");
  ASSERT_TRUE(root.has_value()) << root.error().ToString();
  EXPECT_EQ(root->type, RegistryType::kString);
  wchar_t windows_dir[MAX_PATH];
  UINT n = GetSystemWindowsDirectoryW(windows_dir, MAX_PATH);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(_wcsicmp(Utf8ToWide(root->text).c_str(), windows_dir), 0) << root->text;
  EXPECT_EQ(RegistryHiveName(RegistryHive::kLocalMachine), std::string("HKLM"));
}

}  // namespace
}  // namespace otguard::platform
