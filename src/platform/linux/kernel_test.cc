#include "otguard/platform/kernel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace otguard::platform {
namespace {

TEST(KernelTest, ReadsASysctlByItsName) {
  auto aslr = ReadSysctl("kernel.randomize_va_space");
  ASSERT_TRUE(aslr.has_value()) << aslr.error().ToString();
  ASSERT_FALSE(aslr->empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>((*aslr)[0]))) << *aslr;
  auto ostype = ReadSysctl("kernel.ostype");
  ASSERT_TRUE(ostype.has_value());
  EXPECT_EQ(*ostype, "Linux\n");
}

TEST(KernelTest, AnUnknownSysctlIsNotFoundAndAPathIsRefused) {
  EXPECT_EQ(ReadSysctl("kernel.no_such_otguard_setting").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadSysctl("../../etc/passwd").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadSysctl("").error().code(), StatusCode::kInvalidArgument);
}

TEST(KernelTest, ModulesListAndSysfs) {
  auto modules = ReadLoadedModules();
  if (!modules) GTEST_SKIP() << "no /proc/modules here: " << modules.error().ToString();
  // Every line names a module first: "name size refcount ...".
  size_t lines = std::count(modules->begin(), modules->end(), '\n');
  if (lines > 0) {
    EXPECT_NE(modules->find(' '), std::string::npos);
  }
  EXPECT_FALSE(KernelHasModule("no_such_otguard_module"));
  EXPECT_FALSE(KernelHasModule("../block"));
}

}  // namespace
}  // namespace otguard::platform
