// Globs, variables and tokens for the hunt. The globs run in O(pattern x text) time and
// O(pattern) memory whatever the input (a dynamic programme, no backtracking), so a hostile
// process name or pack cannot make the hunt hang.
#include <algorithm>
#include <cctype>

#include "host/hunt_internal.h"
#include "host/ioc_values.h"

namespace otguard::host::internal {
namespace {

char Fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

enum class TokenType { kChar, kOne, kStar, kGlobstar };
struct Token {
  TokenType type;
  char c = 0;
};

std::vector<Token> Tokenize(std::string_view pattern, bool path) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*') {
      bool globstar = path && i + 1 < pattern.size() && pattern[i + 1] == '*';
      while (i + 1 < pattern.size() && pattern[i + 1] == '*') ++i;
      tokens.push_back({globstar ? TokenType::kGlobstar : TokenType::kStar});
    } else if (c == '?') {
      tokens.push_back({TokenType::kOne});
    } else {
      tokens.push_back({TokenType::kChar, c});
    }
  }
  return tokens;
}

bool Match(std::string_view pattern, std::string_view text, bool path, bool windows) {
  std::vector<Token> tokens = Tokenize(pattern, path);
  auto is_sep = [&](char c) { return path && (c == '/' || (windows && c == '\\')); };
  auto same = [&](char p, char t) {
    if (is_sep(p) && is_sep(t)) return true;
    return (!path || windows) ? Fold(p) == Fold(t) : p == t;
  };
  // row[j]: tokens[0..j) match text[0..i).
  std::vector<char> row(tokens.size() + 1, 0), next(tokens.size() + 1, 0);
  row[0] = 1;
  for (size_t j = 0; j < tokens.size(); ++j) {
    bool star = tokens[j].type == TokenType::kStar || tokens[j].type == TokenType::kGlobstar;
    row[j + 1] = row[j] && star;
  }
  for (char t : text) {
    next[0] = 0;
    for (size_t j = 0; j < tokens.size(); ++j) {
      const Token& tok = tokens[j];
      bool v = false;
      switch (tok.type) {
        case TokenType::kChar:
          v = row[j] && same(tok.c, t);
          break;
        case TokenType::kOne:
          v = row[j] && !is_sep(t);
          break;
        case TokenType::kStar:
          // Empty match (next[j]) or one more character (row[j + 1]).
          v = next[j] || (row[j + 1] && !is_sep(t));
          break;
        case TokenType::kGlobstar:
          v = next[j] || row[j + 1];
          break;
      }
      next[j + 1] = v;
    }
    row.swap(next);
  }
  return row[tokens.size()];
}

}  // namespace

bool TextGlobMatch(std::string_view pattern, std::string_view text) {
  return Match(pattern, text, /*path=*/false, /*windows=*/false);
}

bool PathGlobMatch(std::string_view pattern, std::string_view path, bool windows) {
  return Match(pattern, path, /*path=*/true, windows);
}

std::string ExpandVariables(
    std::string_view text,
    const std::function<std::optional<std::string>(const std::string& name)>& value) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('%', i);
    if (open == std::string_view::npos) break;
    size_t close = text.find('%', open + 1);
    if (close == std::string_view::npos) break;
    std::optional<std::string> v;
    if (close > open + 1) v = value(std::string(text.substr(open + 1, close - open - 1)));
    out.append(text.substr(i, open - i));
    if (v) {
      out += *v;
      i = close + 1;
    } else {
      out += '%';
      i = open + 1;
    }
  }
  out.append(text.substr(i));
  return out;
}

std::string ExpandVariables(std::string_view text,
                            const std::map<std::string, std::string>& environment) {
  return ExpandVariables(text, [&](const std::string& name) -> std::optional<std::string> {
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto it = environment.find(upper);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  });
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Fold(c);
  return out;
}

std::string_view BaseName(std::string_view path, bool windows) {
  size_t cut = windows ? path.find_last_of("\\/") : path.rfind('/');
  return cut == std::string_view::npos ? path : path.substr(cut + 1);
}

std::string_view DirPart(std::string_view path, bool windows) {
  size_t cut = windows ? path.find_last_of("\\/") : path.rfind('/');
  return cut == std::string_view::npos ? std::string_view() : path.substr(0, cut);
}

std::vector<std::string> DomainTokens(std::string_view text) {
  std::vector<std::string> tokens;
  auto domain_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
  };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !domain_char(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && domain_char(text[i])) ++i;
    std::string_view token = text.substr(start, i - start);
    while (!token.empty() && token.front() == '.') token.remove_prefix(1);
    while (!token.empty() && token.back() == '.') token.remove_suffix(1);
    if (token.find('.') != std::string_view::npos && token.size() <= 253) {
      tokens.push_back(AsciiLower(token));
    }
  }
  return tokens;
}

std::vector<std::string> UrlKeys(std::string_view text) {
  auto ends_run = [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
           c == '|' || c == '^';
  };
  std::vector<std::string> keys;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && ends_run(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !ends_run(text[i])) ++i;
    std::string_view run = text.substr(start, i - start);
    while (!run.empty() && std::string_view(".,;:!)]}").find(run.back()) != std::string_view::npos)
      run.remove_suffix(1);
    // A URL may follow other text in one run ("--url=http://..."): start at its scheme.
    size_t scheme_end = run.find("://");
    std::string candidate;
    if (scheme_end != std::string_view::npos) {
      size_t scheme_start = scheme_end;
      while (scheme_start > 0 && (std::isalnum(static_cast<unsigned char>(run[scheme_start - 1])) ||
                                  run[scheme_start - 1] == '+' || run[scheme_start - 1] == '.' ||
                                  run[scheme_start - 1] == '-')) {
        --scheme_start;
      }
      candidate = std::string(run.substr(scheme_start));
    } else if (size_t slash = run.find('/'); slash != std::string_view::npos && slash > 0 &&
                                             run.substr(0, slash).find('.') != std::string::npos) {
      size_t host_start = run.find_last_of("=,", slash);
      host_start = host_start == std::string_view::npos ? 0 : host_start + 1;
      candidate = "http://" + std::string(run.substr(host_start));
    }
    if (candidate.empty()) continue;
    if (auto normal = ioc_internal::NormalizeUrl(candidate)) {
      keys.push_back(ioc_internal::UrlMatchKey(*normal));
    }
  }
  return keys;
}

bool DomainMatches(std::string_view pattern, std::string_view domain) {
  std::string p = AsciiLower(pattern);
  if (p.rfind("*.", 0) == 0) {
    std::string_view zone = std::string_view(p).substr(2);
    if (domain == zone) return true;
    return domain.size() > zone.size() && domain.substr(domain.size() - zone.size()) == zone &&
           domain[domain.size() - zone.size() - 1] == '.';
  }
  return domain == p;
}

}  // namespace otguard::host::internal
