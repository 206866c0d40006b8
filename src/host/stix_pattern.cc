// A recursive-descent parser of STIX 2.1 patterns, after the grammar in the STIX 2.1
// specification (OASIS, 2021), section 9 "STIX Patterning" and its ANTLR grammar: written anew
// here, not generated.
#include "host/stix_pattern.h"

#include <cctype>
#include <cstdint>

namespace otguard::host::stix {
namespace {

enum class Tok {
  kEnd,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kComma,
  kColon,
  kDot,
  kStar,
  kOp,  // = != < <= > >=
  kWord,
  kString,
  kBinary,
  kHex,
  kTimestamp,
  kInt,
  kFloat,
};

struct Token {
  Tok type = Tok::kEnd;
  std::string text;  // words and operators as written; literals' values
  size_t begin = 0, end = 0;
};

bool IsWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<ObservationExpr> Parse() {
    if (text_.size() > kMaxPatternBytes) return Fail(kMaxPatternBytes, "pattern too long");
    if (!Advance()) return Unexpected(error_);
    ObservationExpr expr;
    if (!ObservationExpressions(&expr)) return Unexpected(error_);
    if (tok_.type != Tok::kEnd) return Fail(tok_.begin, "unexpected '" + Shown() + "'");
    return expr;
  }

 private:
  tl::unexpected<Status> Fail(size_t offset, std::string what) {
    error_ = InvalidArgument("syntax error at offset " + std::to_string(offset) + ": " + what);
    return Unexpected(error_);
  }
  bool Error(size_t offset, std::string what) {
    (void)Fail(offset, std::move(what));
    return false;
  }
  std::string Shown() const {
    return tok_.type == Tok::kEnd ? "end of pattern" : std::string(Source(tok_));
  }
  std::string_view Source(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }
  bool IsWord(std::string_view word) const { return tok_.type == Tok::kWord && tok_.text == word; }
  bool Expect(Tok type, const char* what) {
    if (tok_.type != type)
      return Error(tok_.begin, std::string("expected ") + what + ", found '" + Shown() + "'");
    return Advance();
  }

  // --- the tokenizer ---
  bool Advance();
  bool QuotedLiteral(size_t start, Tok type);
  bool Number(size_t start);

  // --- the grammar ---
  bool ObservationExpressions(ObservationExpr* out);  // FOLLOWEDBY
  bool ObservationOr(ObservationExpr* out);
  bool ObservationAnd(ObservationExpr* out);
  bool QualifiedObservation(ObservationExpr* out);
  bool Qualifier(std::string* out);
  bool ComparisonOr(ComparisonExpr* out);
  bool ComparisonAnd(ComparisonExpr* out);
  bool PropertyTest(ComparisonExpr* out);
  bool Path(ObjectPath* out);
  bool LiteralValue(Literal* out);

  // Joins a chain "a OP b OP c" into one n-ary node of `kind`.
  template <typename Expr, typename Kind, typename Next>
  bool Chain(Expr* out, const char* keyword, Kind kind, Next next) {
    Expr first;
    if (!(this->*next)(&first)) return false;
    if (!IsWord(keyword)) {
      *out = std::move(first);
      return true;
    }
    out->kind = kind;
    out->children.push_back(std::move(first));
    while (IsWord(keyword)) {
      if (!Advance()) return false;
      Expr another;
      if (!(this->*next)(&another)) return false;
      out->children.push_back(std::move(another));
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  Token tok_;
  size_t last_end_ = 0;  // end of the token before tok_
  int depth_ = 0;
  Status error_;
};

bool Parser::Advance() {
  last_end_ = tok_.end;
  while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  const size_t start = pos_;
  tok_ = Token{};
  tok_.begin = start;
  if (pos_ >= text_.size()) {
    tok_.end = start;
    return true;
  }
  const char c = text_[pos_];
  const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  auto single = [&](Tok type) {
    tok_.type = type;
    tok_.end = ++pos_;
    return true;
  };
  switch (c) {
    case '[':
      return single(Tok::kLBracket);
    case ']':
      return single(Tok::kRBracket);
    case '(':
      return single(Tok::kLParen);
    case ')':
      return single(Tok::kRParen);
    case ',':
      return single(Tok::kComma);
    case ':':
      return single(Tok::kColon);
    case '.':
      return single(Tok::kDot);
    case '*':
      return single(Tok::kStar);
    case '\'':
      return QuotedLiteral(start, Tok::kString);
    case '=':
    case '<':
    case '>':
    case '!': {
      size_t n = c != '=' && next == '=' ? 2 : 1;
      if (c == '!' && n == 1) return Error(start, "'!' must be followed by '='");
      tok_.type = Tok::kOp;
      tok_.text = std::string(text_.substr(start, n));
      pos_ += n;
      tok_.end = pos_;
      return true;
    }
    default:
      break;
  }
  if (next == '\'' && (c == 'b' || c == 'h' || c == 't')) {
    ++pos_;
    return QuotedLiteral(start, c == 'b' ? Tok::kBinary : c == 'h' ? Tok::kHex : Tok::kTimestamp);
  }
  if (IsDigit(c) || ((c == '-' || c == '+') && (IsDigit(next) || next == '.')) ||
      (c == '.' && IsDigit(next))) {
    return Number(start);
  }
  if (IsWordStart(c)) {
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    tok_.type = Tok::kWord;
    tok_.text = std::string(text_.substr(start, pos_ - start));
    tok_.end = pos_;
    return true;
  }
  return Error(start, "unexpected character '" + std::string(1, c) + "'");
}

bool Parser::QuotedLiteral(size_t start, Tok type) {
  ++pos_;  // the opening quote
  std::string value;
  while (true) {
    if (pos_ >= text_.size()) return Error(start, "unterminated quoted literal");
    char c = text_[pos_++];
    if (c == '\'') break;
    if (c == '\\') {
      if (type != Tok::kString || pos_ >= text_.size() ||
          (text_[pos_] != '\'' && text_[pos_] != '\\')) {
        return Error(pos_ - 1, "only \\' and \\\\ are escapes in a string literal");
      }
      c = text_[pos_++];
    }
    value += c;
  }
  auto all = [&](auto pred) {
    for (char c : value) {
      if (!pred(c)) return false;
    }
    return true;
  };
  if (type == Tok::kHex && (value.size() % 2 != 0 || !all([](char c) {
                              return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                            }))) {
    return Error(start, "a hex literal needs an even number of hex digits");
  }
  if (type == Tok::kBinary && (value.size() % 4 != 0 || !all([](char c) {
                                 return std::isalnum(static_cast<unsigned char>(c)) || c == '+' ||
                                        c == '/' || c == '=';
                               }))) {
    return Error(start, "a binary literal must be base64");
  }
  // RFC 3339 in UTC: 2016-05-12T08:17:27Z, optionally with fractional seconds.
  if (type == Tok::kTimestamp) {
    auto d = [&](size_t i) { return i < value.size() && IsDigit(value[i]); };
    bool ok = value.size() >= 20 && d(0) && d(1) && d(2) && d(3) && value[4] == '-' && d(5) &&
              d(6) && value[7] == '-' && d(8) && d(9) && value[10] == 'T' && d(11) && d(12) &&
              value[13] == ':' && d(14) && d(15) && value[16] == ':' && d(17) && d(18) &&
              value.back() == 'Z';
    if (ok && value.size() > 20) {
      ok = value[19] == '.' && value.size() > 21;
      for (size_t i = 20; ok && i + 1 < value.size(); ++i) ok = d(i);
    }
    if (!ok) return Error(start, "a timestamp must be RFC 3339 UTC (t'2016-05-12T08:17:27Z')");
  }
  tok_.type = type;
  tok_.text = std::move(value);
  tok_.end = pos_;
  return true;
}

bool Parser::Number(size_t start) {
  if (text_[pos_] == '-' || text_[pos_] == '+') ++pos_;
  bool is_float = false;
  while (pos_ < text_.size() && (IsDigit(text_[pos_]) || (text_[pos_] == '.' && !is_float))) {
    is_float = is_float || text_[pos_] == '.';
    ++pos_;
  }
  tok_.type = is_float ? Tok::kFloat : Tok::kInt;
  tok_.text = std::string(text_.substr(start, pos_ - start));
  tok_.end = pos_;
  if (tok_.text.back() == '.') return Error(start, "a number cannot end with '.'");
  if (pos_ < text_.size() && IsWordChar(text_[pos_]))
    return Error(pos_, "unexpected character after a number");
  return true;
}

bool Parser::ObservationExpressions(ObservationExpr* out) {
  const size_t begin = tok_.begin;
  if (!Chain(out, "FOLLOWEDBY", ObservationExpr::Kind::kFollowedBy, &Parser::ObservationOr)) {
    return false;
  }
  if (out->kind == ObservationExpr::Kind::kFollowedBy) out->begin = begin, out->end = last_end_;
  return true;
}

bool Parser::ObservationOr(ObservationExpr* out) {
  const size_t begin = tok_.begin;
  if (!Chain(out, "OR", ObservationExpr::Kind::kOr, &Parser::ObservationAnd)) return false;
  if (out->kind == ObservationExpr::Kind::kOr) out->begin = begin, out->end = last_end_;
  return true;
}

bool Parser::ObservationAnd(ObservationExpr* out) {
  const size_t begin = tok_.begin;
  if (!Chain(out, "AND", ObservationExpr::Kind::kAnd, &Parser::QualifiedObservation)) return false;
  if (out->kind == ObservationExpr::Kind::kAnd) out->begin = begin, out->end = last_end_;
  return true;
}

bool Parser::QualifiedObservation(ObservationExpr* out) {
  const size_t begin = tok_.begin;
  if (++depth_ > kMaxDepth)
    return Error(tok_.begin, "nested deeper than " + std::to_string(kMaxDepth));
  if (tok_.type == Tok::kLBracket) {
    if (!Advance() || !ComparisonOr(&out->comparison)) return false;
    if (!Expect(Tok::kRBracket, "']'")) return false;
    out->kind = ObservationExpr::Kind::kObservation;
  } else if (tok_.type == Tok::kLParen) {
    if (!Advance() || !ObservationExpressions(out)) return false;
    if (!Expect(Tok::kRParen, "')'")) return false;
  } else {
    return Error(tok_.begin, "expected '[' or '(', found '" + Shown() + "'");
  }
  --depth_;
  while (IsWord("WITHIN") || IsWord("REPEATS") || IsWord("START")) {
    std::string qualifier;
    if (!Qualifier(&qualifier)) return false;
    out->qualifiers.push_back(std::move(qualifier));
  }
  out->begin = begin;
  out->end = last_end_;
  return true;
}

bool Parser::Qualifier(std::string* out) {
  const size_t begin = tok_.begin;
  if (IsWord("WITHIN")) {
    if (!Advance()) return false;
    if ((tok_.type != Tok::kInt && tok_.type != Tok::kFloat) || tok_.text[0] == '-') {
      return Error(tok_.begin, "WITHIN needs a positive number of SECONDS");
    }
    if (!Advance()) return false;
    if (!IsWord("SECONDS")) return Error(tok_.begin, "expected SECONDS");
  } else if (IsWord("REPEATS")) {
    if (!Advance()) return false;
    if (tok_.type != Tok::kInt || tok_.text[0] == '-') {
      return Error(tok_.begin, "REPEATS needs a positive integer");
    }
    if (!Advance()) return false;
    if (!IsWord("TIMES")) return Error(tok_.begin, "expected TIMES");
  } else {  // START t'..' STOP t'..'
    if (!Advance()) return false;
    if (tok_.type != Tok::kTimestamp) return Error(tok_.begin, "START needs a timestamp t'...'");
    if (!Advance()) return false;
    if (!IsWord("STOP")) return Error(tok_.begin, "expected STOP");
    if (!Advance()) return false;
    if (tok_.type != Tok::kTimestamp) return Error(tok_.begin, "STOP needs a timestamp t'...'");
  }
  if (!Advance()) return false;
  *out = std::string(text_.substr(begin, last_end_ - begin));
  return true;
}

bool Parser::ComparisonOr(ComparisonExpr* out) {
  const size_t begin = tok_.begin;
  if (!Chain(out, "OR", ComparisonExpr::Kind::kOr, &Parser::ComparisonAnd)) return false;
  if (out->kind == ComparisonExpr::Kind::kOr) out->begin = begin, out->end = last_end_;
  return true;
}

bool Parser::ComparisonAnd(ComparisonExpr* out) {
  const size_t begin = tok_.begin;
  if (!Chain(out, "AND", ComparisonExpr::Kind::kAnd, &Parser::PropertyTest)) return false;
  if (out->kind == ComparisonExpr::Kind::kAnd) out->begin = begin, out->end = last_end_;
  return true;
}

bool Parser::PropertyTest(ComparisonExpr* out) {
  if (tok_.type == Tok::kLParen) {
    if (++depth_ > kMaxDepth) {
      return Error(tok_.begin, "nested deeper than " + std::to_string(kMaxDepth));
    }
    const size_t begin = tok_.begin;
    if (!Advance() || !ComparisonOr(out)) return false;
    --depth_;
    if (!Expect(Tok::kRParen, "')'")) return false;
    out->begin = begin, out->end = last_end_;  // with its parentheses
    return true;
  }
  Comparison& c = out->comparison;
  out->kind = ComparisonExpr::Kind::kComparison;
  c.begin = tok_.begin;
  if (IsWord("EXISTS")) {
    c.op = "EXISTS";
    if (!Advance() || !Path(&c.path)) return false;
    c.end = last_end_;
    out->begin = c.begin, out->end = c.end;
    return true;
  }
  if (!Path(&c.path)) return false;
  if (IsWord("NOT")) {
    c.negated = true;
    if (!Advance()) return false;
  }
  if (tok_.type == Tok::kOp) {
    c.op = tok_.text;
  } else if (IsWord("IN") || IsWord("LIKE") || IsWord("MATCHES") || IsWord("ISSUBSET") ||
             IsWord("ISSUPERSET")) {
    c.op = tok_.text;
  } else {
    return Error(tok_.begin, "expected a comparison operator, found '" + Shown() + "'");
  }
  const size_t op_offset = tok_.begin;
  if (!Advance()) return false;
  if (c.op == "IN") {
    if (!Expect(Tok::kLParen, "'(' after IN")) return false;
    while (tok_.type != Tok::kRParen) {
      if (!c.values.empty() && !Expect(Tok::kComma, "',' or ')'")) return false;
      Literal v;
      if (!LiteralValue(&v)) return false;
      c.values.push_back(std::move(v));
    }
    if (!Advance()) return false;
  } else {
    Literal v;
    if (!LiteralValue(&v)) return false;
    const bool needs_string =
        c.op == "LIKE" || c.op == "MATCHES" || c.op == "ISSUBSET" || c.op == "ISSUPERSET";
    if (needs_string && v.type != Literal::Type::kString) {
      return Error(op_offset, c.op + " needs a string literal");
    }
    if (c.op[0] != '=' && c.op != "!=" && v.type == Literal::Type::kBool) {
      return Error(op_offset, "a boolean can only be compared with = or !=");
    }
    c.values.push_back(std::move(v));
  }
  c.end = last_end_;
  out->begin = c.begin, out->end = c.end;
  return true;
}

bool Parser::Path(ObjectPath* out) {
  if (tok_.type != Tok::kWord)
    return Error(tok_.begin, "expected an object type, found '" + Shown() + "'");
  out->type = tok_.text;
  if (!Advance() || !Expect(Tok::kColon, "':' after the object type")) return false;
  bool first = true;
  while (true) {
    if (first || tok_.type == Tok::kDot) {
      if (!first && !Advance()) return false;
      if (tok_.type == Tok::kWord || tok_.type == Tok::kString) {
        if (tok_.type == Tok::kWord && tok_.text.find('-') != std::string::npos) {
          return Error(tok_.begin, "a property name with '-' must be quoted ('SHA-256')");
        }
        out->steps.push_back(tok_.text);
        if (!Advance()) return false;
      } else {
        return Error(tok_.begin, "expected a property name, found '" + Shown() + "'");
      }
      first = false;
    } else if (tok_.type == Tok::kLBracket) {
      if (!Advance()) return false;
      std::string index;
      if (tok_.type == Tok::kStar) {
        index = "*";
      } else if (tok_.type == Tok::kInt) {
        index = tok_.text;
      } else {
        return Error(tok_.begin, "a list index is an integer or '*'");
      }
      if (!Advance() || !Expect(Tok::kRBracket, "']' after the list index")) return false;
      out->steps.push_back("[" + index + "]");
    } else {
      return true;
    }
  }
}

bool Parser::LiteralValue(Literal* out) {
  out->value = tok_.text;
  switch (tok_.type) {
    case Tok::kString:
      out->type = Literal::Type::kString;
      break;
    case Tok::kBinary:
      out->type = Literal::Type::kBinary;
      break;
    case Tok::kHex:
      out->type = Literal::Type::kHex;
      break;
    case Tok::kTimestamp:
      out->type = Literal::Type::kTimestamp;
      break;
    case Tok::kInt:
      out->type = Literal::Type::kInt;
      break;
    case Tok::kFloat:
      out->type = Literal::Type::kFloat;
      break;
    case Tok::kWord:
      if (tok_.text == "true" || tok_.text == "false" || tok_.text == "TRUE" ||
          tok_.text == "FALSE") {
        out->type = Literal::Type::kBool;
        break;
      }
      [[fallthrough]];
    default:
      return Error(tok_.begin, "expected a literal value, found '" + Shown() + "'");
  }
  return Advance();
}

}  // namespace

std::string ObjectPath::Property() const {
  std::string out;
  for (const std::string& step : steps) {
    if (!out.empty() && !step.starts_with('[')) out += '.';
    out += step;
  }
  return out;
}

Result<ObservationExpr> ParsePattern(std::string_view pattern) { return Parser(pattern).Parse(); }

}  // namespace otguard::host::stix
