#include "otguard/nba/assets.h"

#include <nlohmann/json.hpp>

#include "otguard/platform/files.h"

namespace otguard::nba {

Result<AssetNames> AssetNames::Parse(std::string_view text) {
  using nlohmann::json;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("hosts") ||
      !doc["hosts"].is_array()) {
    return Unexpected(
        Status(StatusCode::kInvalidArgument, "expected a JSON object with a \"hosts\" array"));
  }
  AssetNames names;
  size_t i = 0;
  for (const json& h : doc["hosts"]) {
    std::string where = "hosts[" + std::to_string(i++) + "]";
    if (!h.is_object() || !h.contains("ip") || !h["ip"].is_string() || !h.contains("name") ||
        !h["name"].is_string()) {
      return Unexpected(
          Status(StatusCode::kInvalidArgument, where + ": needs \"ip\" and \"name\""));
    }
    auto ip = IpAddress::Parse(h["ip"].get<std::string>());
    if (!ip) {
      return Unexpected(Status(StatusCode::kInvalidArgument,
                               where + ": bad address '" + h["ip"].get<std::string>() + "'"));
    }
    std::string role =
        h.contains("role") && h["role"].is_string() ? h["role"].get<std::string>() : "";
    names.Add(*ip, {h["name"].get<std::string>(), std::move(role)});
  }
  return names;
}

Result<AssetNames> AssetNames::Load(const std::filesystem::path& file) {
  auto text = platform::ReadFileToString(file.string(), 64u << 20);
  if (!text) return Unexpected(text.error());
  auto names = Parse(*text);
  if (!names) {
    return Unexpected(
        Status(names.error().code(), file.string() + ": " + std::string(names.error().message())));
  }
  return names;
}

const Asset* AssetNames::Find(const IpAddress& ip) const {
  auto it = by_ip_.find(ip);
  return it == by_ip_.end() ? nullptr : &it->second;
}

std::string AssetNames::Label(const IpAddress& ip) const {
  const Asset* a = Find(ip);
  return a ? ip.ToString() + " [" + a->name + "]" : ip.ToString();
}

}  // namespace otguard::nba
