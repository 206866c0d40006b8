#include "nba/wire.h"

namespace otguard::nba::wire {

std::string PrintableText(std::string_view bytes, size_t max_chars) {
  std::string out(bytes.substr(0, max_chars));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7E) c = '?';  // char may be signed: bytes >= 0x80 are negative
  }
  return out;
}

std::string PrintableText(std::span<const uint8_t> bytes, size_t max_chars) {
  return PrintableText(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                       max_chars);
}

std::string Shorten(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  return std::string(text.substr(0, max_chars)) + "...";
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace otguard::nba::wire
