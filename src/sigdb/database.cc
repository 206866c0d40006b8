#include "otguard/sigdb/database.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "sigdb/format.h"
#include "sigdb/image.h"
#include "sigdb/io.h"
#include "sigdb/parse.h"

namespace otguard::sigdb {
namespace {

// The standard 68-byte EICAR anti-virus test file.
constexpr std::string_view kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

BodySig EicarSignature() {
  BodySig sig;
  sig.name = "Eicar-Test-Signature";
  sig.target = 0;
  sig.offset.kind = OffsetKind::kAbsolute;
  sig.pattern = *ParseHexPattern(
      HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(kEicar.data()), kEicar.size())));
  return sig;
}

// Parses every line of one source into `input`; unusable lines become diagnostics.
void ParseSource(const SourceText& src, SourceKind kind, CompileInput* input,
                 std::vector<Diagnostic>* diags) {
  std::string_view text = src.text;
  uint32_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    Status error;
    SigSource where{src.name, line_no};
    LineResult r;
    if (kind == SourceKind::kNdb) {
      BodySig sig;
      r = ParseBodyLine(line, &sig, &error);
      if (r == LineResult::kSignature) input->bodies.emplace_back(std::move(sig), std::move(where));
    } else {
      HashSig sig;
      r = ParseHashLine(line, &sig, &error);
      if (r == LineResult::kSignature) {
        (IsAllowlist(kind) ? input->allowlist : input->hashes)
            .emplace_back(std::move(sig), std::move(where));
      }
    }
    if (r == LineResult::kError) {
      std::string what = error.code() == StatusCode::kUnimplemented ? "unsupported, skipped: "
                                                                    : "malformed, skipped: ";
      diags->push_back(
          {src.name + ":" + std::to_string(line_no), what + std::string(error.message())});
    }
  }
}

Result<std::shared_ptr<const Database>> Compile(std::span<const SourceText> sources,
                                                const CompileOptions& options,
                                                std::vector<Diagnostic> diags,
                                                std::vector<Diagnostic>* out_diags) {
  CompileInput input;
  if (options.include_builtin)
    input.bodies.emplace_back(EicarSignature(), SigSource{"<builtin>", 1});
  for (const auto& src : sources) {
    SourceKind kind = SourceKindOf(src.name);
    if (kind == SourceKind::kUnknown) {
      return Unexpected(InvalidArgument(src.name + ": not a .hdb, .hsb, .ndb, .fp or .sfp file"));
    }
    ParseSource(src, kind, &input, &diags);
  }
  const size_t count = diags.size();
  if (out_diags) out_diags->insert(out_diags->end(), diags.begin(), diags.end());
  if (options.strict && count > 0) {
    return Unexpected(
        InvalidArgument(std::to_string(count) + " signature line(s) rejected (strict)"));
  }
  if (input.hashes.size() + input.allowlist.size() + input.bodies.size() > 0xFFFFFFF0u) {
    return Unexpected(ResourceExhausted("too many signatures"));
  }
  std::vector<uint8_t> image = BuildImage(input, static_cast<uint64_t>(std::time(nullptr)));
  if (image.size() > 0xFFFFFFFFull * 4) return Unexpected(ResourceExhausted("database too large"));
  return OpenImage(OwnedStorage(std::move(image)));
}

}  // namespace

Result<std::shared_ptr<const Database>> Database::CompileFiles(
    std::span<const std::string> paths, const CompileOptions& options,
    std::vector<Diagnostic>* diagnostics) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::vector<Diagnostic> diags;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        if (!e.is_regular_file(ec)) continue;
        std::string name = e.path().string();
        if (SourceKindOf(name) != SourceKind::kUnknown) {
          found.push_back(name);
        } else {
          diags.push_back({name + ":0", "unsupported signature file type, skipped"});
        }
      }
      if (ec) return Unexpected(ErrnoToStatus(ec.value(), "list " + p));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  std::vector<SourceText> sources;
  for (const auto& f : files) {
    if (SourceKindOf(f) == SourceKind::kUnknown) {
      return Unexpected(InvalidArgument(f + ": not a .hdb, .hsb, .ndb, .fp or .sfp file"));
    }
    OTGUARD_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(f));
    sources.push_back({f, std::move(text)});
  }
  return Compile(sources, options, std::move(diags), diagnostics);
}

Result<std::shared_ptr<const Database>> Database::CompileText(
    std::span<const SourceText> sources, const CompileOptions& options,
    std::vector<Diagnostic>* diagnostics) {
  return Compile(sources, options, {}, diagnostics);
}

Result<std::shared_ptr<const Database>> Database::Open(const std::string& path) {
  OTGUARD_ASSIGN_OR_RETURN(auto storage, MapFile(path));
  auto db = OpenImage(std::move(storage));
  if (!db) return Unexpected(db.error().WithContext(path));
  return db;
}

Result<std::shared_ptr<const Database>> Database::OpenMemory(ByteSpan bytes) {
  return OpenImage(OwnedStorage(std::vector<uint8_t>(bytes.begin(), bytes.end())));
}

Status Database::Verify() const { return Unimplemented("Verify() on this database"); }

bool Database::IsCompiledFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof(format::kMagic)] = {};
  if (!in.read(magic, sizeof(magic))) return false;
  return std::memcmp(magic, format::kMagic, sizeof(magic)) == 0;
}

}  // namespace otguard::sigdb
