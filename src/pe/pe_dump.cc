// pe_dump FILE...: prints what src/pe makes of each file as one JSON object per line. A
// development tool for checking the parser against clamscan and pefile (see pe_test.cc).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "nlohmann/json.hpp"
#include "otguard/pe/pe.h"

namespace {

nlohmann::json ToJson(const otguard::pe::Image& image) {
  nlohmann::json sections = nlohmann::json::array();
  for (const auto& s : image.sections) {
    sections.push_back({{"name", s.name},
                        {"virtual_address", s.virtual_address},
                        {"virtual_size", s.virtual_size},
                        {"raw_offset", s.raw_offset},
                        {"raw_size", s.raw_size},
                        {"file_offset", s.file_offset},
                        {"file_size", s.file_size}});
  }
  nlohmann::json out = {{"pe32_plus", image.pe32_plus},
                        {"machine", image.machine},
                        {"entry_point_rva", image.entry_point_rva},
                        {"image_base", image.image_base},
                        {"file_alignment", image.file_alignment},
                        {"section_alignment", image.section_alignment},
                        {"size_of_headers", image.size_of_headers},
                        {"clamav_broken", image.clamav_broken},
                        {"sections", sections},
                        {"anomalies", image.anomalies}};
  out["entry_point_offset"] = image.entry_point_offset ? nlohmann::json(*image.entry_point_offset)
                                                       : nlohmann::json(nullptr);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    nlohmann::json line = {{"path", argv[i]}};
    auto image = otguard::pe::Parse(bytes);
    if (image) {
      line.update(ToJson(*image));
    } else {
      line["error"] = image.error().ToString();
    }
    std::printf("%s\n",
                line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return 0;
}
