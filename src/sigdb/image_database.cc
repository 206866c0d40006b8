// The Database over a compiled image (format.h), searched in place.
#include <atomic>
#include <bit>
#include <cstring>
#include <unordered_map>

#include "otguard/base/log.h"
#include "sigdb/format.h"
#include "sigdb/image.h"
#include "sigdb/io.h"

namespace otguard::sigdb {
namespace {

using format::SectionKind;

constexpr uint32_t kMaxElemsPerSig = 1100;  // the parser makes at most ~1000; bounds recursion

struct Region {
  const uint8_t* data = nullptr;
  uint64_t offset = 0;  // file offset
  uint64_t size = 0;
};

template <typename T>
T LoadAt(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > ~uint64_t{0} - b ? ~uint64_t{0} : a + b;
}

class ImageDatabase final : public Database {
 public:
  ImageDatabase(std::unique_ptr<ImageStorage> storage, const format::FileHeader& header)
      : storage_(std::move(storage)), base_(storage_->data()), header_(header) {}

  Status Init();

  Status Save(const std::string& path) const override {
    return WriteFileAtomically(path, ByteSpan(base_, storage_->size()));
  }

  DatabaseInfo Info() const override {
    DatabaseInfo info;
    info.format_version = header_.version;
    info.hash_signatures = header_.hash_signatures;
    info.body_signatures = header_.body_signatures;
    info.allowlist_entries = header_.allowlist_entries;
    info.created_unix = header_.created_unix;
    info.checksum = HexEncode(ByteSpan(header_.payload_sha256, 32));
    return info;
  }

  Status Verify() const override;
  DigestSet NeededHashes() const override { return header_.needed_hashes; }
  bool HasBodySignatures() const override { return body_count_ > 0; }
  bool NeedsLayout() const override { return (header_.flags & format::kNeedsLayout) != 0; }

  bool IsAllowlisted(const Digests& digests, uint64_t size) const override {
    bool found = false;
    ForEachHash(digests, size, SectionKind::kAllowMd5, [&](uint32_t) {
      found = true;
      return false;
    });
    return found;
  }

  void MatchHashes(const Digests& digests, uint64_t size, MatchMode mode,
                   std::vector<Detection>* out) const override {
    ForEachHash(digests, size, SectionKind::kHashMd5, [&](uint32_t meta) {
      out->push_back(MakeDetection(meta, Detection::Kind::kHash));
      return mode == MatchMode::kAll;
    });
  }

  void MatchBody(ByteSpan data, const ExecutableLayout* layout, MatchMode mode,
                 std::vector<Detection>* out) const override;

 private:
  struct Chain {
    uint32_t next = 0;       // the segment wanted next
    uint64_t min_start = 0;  // where it may start at the earliest
  };
  struct ScanState;
  template <bool kWithShort>
  bool ScanFrom(ScanState& st) const;
  bool ShortAt(ScanState& st, size_t i) const;

  Status CheckDirectory();
  Status CheckBody();
  bool BlocksOk(uint64_t offset, uint64_t size, bool log = true) const;
  bool VerifyBlock(uint64_t b) const;
  const Region& Sec(SectionKind k) const { return sections_[static_cast<uint32_t>(k)]; }

  // Calls fn(meta) for each record of the table family starting at `first` (the MD5 table;
  // SHA-1 and SHA-256 follow) whose digest the file has and whose size fits; fn returns
  // false to stop.
  template <typename Fn>
  void ForEachHash(const Digests& d, uint64_t size, SectionKind first, Fn fn) const {
    const uint32_t k = static_cast<uint32_t>(first);
    if (d.md5 && !Lookup(static_cast<SectionKind>(k), d.md5->data(), 16, size, fn)) return;
    if (d.sha1 && !Lookup(static_cast<SectionKind>(k + 1), d.sha1->data(), 20, size, fn)) return;
    if (d.sha256) Lookup(static_cast<SectionKind>(k + 2), d.sha256->data(), 32, size, fn);
  }

  template <typename Fn>
  bool Lookup(SectionKind kind, const uint8_t* digest, uint32_t dsize, uint64_t size, Fn fn) const;
  // Index of the first record not less than `digest`, or nullopt when a block is corrupt.
  std::optional<uint64_t> LowerBound(const Region& t, uint32_t rec, const uint8_t* digest,
                                     uint32_t dsize) const;

  Detection MakeDetection(uint32_t meta, Detection::Kind kind) const;
  bool StartRange(const format::BodySigRecord& r, uint64_t size, const ExecutableLayout* layout,
                  uint64_t* lo, uint64_t* hi) const;
  bool TryAnchor(ScanState& st, uint32_t sig, uint32_t elem, uint32_t offset, size_t pos) const;

  std::unique_ptr<ImageStorage> storage_;
  const uint8_t* base_;
  format::FileHeader header_;
  Region sections_[format::kMaxSectionKind + 1];
  const uint8_t* block_table_ = nullptr;
  mutable std::unique_ptr<std::atomic<uint8_t>[]> block_state_;  // 0 unchecked, 1 ok, 2 bad
  mutable std::atomic<bool> corruption_logged_{false};
  uint64_t body_count_ = 0;
  uint64_t meta_count_ = 0;
  uint64_t anchor_count_ = 0;
  uint64_t short_count_ = 0;
  uint32_t gram_mask_ = 0;
};

Status ImageDatabase::CheckDirectory() {
  const uint64_t file_size = storage_->size();
  const uint8_t* dir = base_ + sizeof(format::FileHeader);
  for (uint32_t i = 0; i < header_.section_count; ++i) {
    auto e = LoadAt<format::SectionEntry>(dir + i * sizeof(format::SectionEntry));
    if (e.kind == 0 || e.kind > format::kMaxSectionKind || sections_[e.kind].data != nullptr) {
      return Corrupt("bad section directory");
    }
    if (e.offset < header_.data_offset || e.offset > file_size || e.size > file_size - e.offset ||
        e.offset % 8 != 0) {
      return Corrupt("section out of bounds");
    }
    sections_[e.kind] = {base_ + e.offset, e.offset, e.size};
    bool eager = (e.flags & format::kLazy) == 0 ||
                 file_size - header_.data_offset <= format::kEagerVerifyLimit;
    if (eager && !BlocksOk(e.offset, e.size, /*log=*/false))
      return Corrupt("section checksum mismatch");
  }
  for (uint32_t k = 1; k <= format::kMaxSectionKind; ++k) {
    if (sections_[k].data == nullptr)
      sections_[k] = {base_ + header_.data_offset, header_.data_offset, 0};
  }
  return Status();
}

Status ImageDatabase::Init() {
  const uint64_t file_size = storage_->size();
  if (header_.section_count > format::kMaxSections || header_.block_size != format::kBlockSize ||
      header_.file_size != file_size || header_.data_offset > file_size ||
      header_.bloom_bits < 16 || header_.bloom_bits > 24 || header_.gram_bits < 4 ||
      header_.gram_bits > 28) {
    return Corrupt("bad header fields");
  }
  const uint64_t blocks =
      (file_size - header_.data_offset + format::kBlockSize - 1) / format::kBlockSize;
  const uint64_t meta_end = sizeof(format::FileHeader) +
                            uint64_t{header_.section_count} * sizeof(format::SectionEntry) +
                            blocks * format::kBlockHashSize;
  if (header_.block_count != blocks || meta_end > header_.data_offset) {
    return Corrupt("bad block table");
  }
  uint8_t digest[32];
  Sha256(base_ + sizeof(format::FileHeader), header_.data_offset - sizeof(format::FileHeader),
         digest);
  if (std::memcmp(digest, header_.meta_sha256, 32) != 0)
    return Corrupt("directory checksum mismatch");
  block_table_ = base_ + meta_end - blocks * format::kBlockHashSize;
  block_state_ = std::make_unique<std::atomic<uint8_t>[]>(blocks);
  for (uint64_t b = 0; b < blocks; ++b) block_state_[b].store(0, std::memory_order_relaxed);
  OTGUARD_RETURN_IF_ERROR(CheckDirectory());
  return CheckBody();
}

Status ImageDatabase::CheckBody() {
  meta_count_ = Sec(SectionKind::kSigMeta).size / sizeof(format::SigMeta);
  const Region& bodies = Sec(SectionKind::kBodySigs);
  const Region& elems = Sec(SectionKind::kElems);
  const Region& pool = Sec(SectionKind::kPool);
  if (bodies.size % sizeof(format::BodySigRecord) || elems.size % sizeof(Elem)) {
    return Corrupt("bad body section size");
  }
  body_count_ = bodies.size / sizeof(format::BodySigRecord);
  const uint64_t elem_total = elems.size / sizeof(Elem);
  if (body_count_ != header_.body_signatures || elem_total > 0xFFFFFFFF) {
    return Corrupt("body signature count mismatch");
  }
  if (elem_total && !ValidateElems(reinterpret_cast<const Elem*>(elems.data),
                                   static_cast<uint32_t>(elem_total), pool.data, pool.size)) {
    return Corrupt("bad pattern elements");
  }
  for (uint64_t i = 0; i < body_count_; ++i) {
    auto r = LoadAt<format::BodySigRecord>(bodies.data + i * sizeof(format::BodySigRecord));
    if (r.meta >= meta_count_ || r.target > 1 || r.offset_kind > 6 || r.elem_count == 0 ||
        r.elem_count > kMaxElemsPerSig || r.elem_begin > elem_total ||
        r.elem_count > elem_total - r.elem_begin) {
      return Corrupt("bad body signature record");
    }
  }
  auto check_anchor = [&](uint32_t sig, uint32_t elem, uint32_t offset, uint32_t len) {
    if (sig >= body_count_) return false;
    auto r =
        LoadAt<format::BodySigRecord>(bodies.data + uint64_t{sig} * sizeof(format::BodySigRecord));
    if (elem >= r.elem_count) return false;
    auto e = LoadAt<Elem>(elems.data + (uint64_t{r.elem_begin} + elem) * sizeof(Elem));
    return static_cast<ElemKind>(e.kind) == ElemKind::kExact && offset + uint64_t{len} <= e.count;
  };
  const Region& anchors = Sec(SectionKind::kAnchors);
  const Region& slots = Sec(SectionKind::kGramTable);
  anchor_count_ = anchors.size / sizeof(format::AnchorRecord);
  if (anchors.size % sizeof(format::AnchorRecord)) return Corrupt("bad anchor section");
  for (uint64_t i = 0; i < anchor_count_; ++i) {
    auto a = LoadAt<format::AnchorRecord>(anchors.data + i * sizeof(format::AnchorRecord));
    if (!check_anchor(a.sig, a.elem, a.offset, 4)) return Corrupt("bad anchor");
  }
  if (body_count_ > 0 || slots.size > 0) {
    if (slots.size != (uint64_t{1} << header_.gram_bits) * sizeof(format::GramSlot) ||
        Sec(SectionKind::kBloom).size != (uint64_t{1} << header_.bloom_bits) / 8) {
      return Corrupt("bad prefilter tables");
    }
    bool empty_seen = false;
    for (uint64_t s = 0; s < (uint64_t{1} << header_.gram_bits); ++s) {
      auto g = LoadAt<format::GramSlot>(slots.data + s * sizeof(format::GramSlot));
      empty_seen = empty_seen || g.count == 0;
      if (g.first > anchor_count_ || g.count > anchor_count_ - g.first)
        return Corrupt("bad gram slot");
    }
    if (!empty_seen) return Corrupt("gram table has no empty slot");
    gram_mask_ = (1u << header_.gram_bits) - 1;
  }
  const Region& shorts = Sec(SectionKind::kShortAnchors);
  short_count_ = shorts.size / sizeof(format::ShortAnchorRecord);
  if (shorts.size % sizeof(format::ShortAnchorRecord)) return Corrupt("bad short anchors");
  if (short_count_ && Sec(SectionKind::kShortBloom).size != 65536 / 8)
    return Corrupt("bad short bloom");
  for (uint64_t i = 0; i < short_count_; ++i) {
    auto a = LoadAt<format::ShortAnchorRecord>(shorts.data + i * sizeof(format::ShortAnchorRecord));
    if (!check_anchor(a.sig, a.elem, a.offset, 2) || a.gram > 0xFFFF)
      return Corrupt("bad short anchor");
  }
  return Status();
}

bool ImageDatabase::VerifyBlock(uint64_t b) const {
  uint8_t state = block_state_[b].load(std::memory_order_acquire);
  if (state == 0) {
    const uint64_t start = header_.data_offset + b * format::kBlockSize;
    const uint64_t len = std::min<uint64_t>(format::kBlockSize, storage_->size() - start);
    uint8_t digest[32];
    Sha256(base_ + start, len, digest);
    state =
        std::memcmp(digest, block_table_ + b * format::kBlockHashSize, format::kBlockHashSize) == 0
            ? 1
            : 2;
    block_state_[b].store(state, std::memory_order_release);
  }
  return state == 1;
}

bool ImageDatabase::BlocksOk(uint64_t offset, uint64_t size, bool log) const {
  if (size == 0) return true;
  const uint64_t first = (offset - header_.data_offset) / format::kBlockSize;
  const uint64_t last = (offset + size - 1 - header_.data_offset) / format::kBlockSize;
  for (uint64_t b = first; b <= last; ++b) {
    if (!VerifyBlock(b)) {
      if (log && !corruption_logged_.exchange(true)) {
        OTGUARD_LOG_ERROR(
            "signature database block {} fails its checksum; its signatures are ignored", b);
      }
      return false;
    }
  }
  return true;
}

Status ImageDatabase::Verify() const {
  uint8_t digest[32];
  const size_t hs = sizeof(format::FileHeader);
  Sha256(base_ + hs, storage_->size() - hs, digest);
  if (std::memcmp(digest, header_.payload_sha256, 32) != 0)
    return Corrupt("payload checksum mismatch");
  for (uint64_t b = 0; b < header_.block_count; ++b) {
    if (!VerifyBlock(b)) return Corrupt("block " + std::to_string(b) + " checksum mismatch");
  }
  return Status();
}

std::optional<uint64_t> ImageDatabase::LowerBound(const Region& t, uint32_t rec,
                                                  const uint8_t* digest, uint32_t dsize) const {
  const uint64_t n = t.size / rec;
  bool corrupt = false;
  auto at = [&](uint64_t i) -> const uint8_t* {
    const uint8_t* p = t.data + i * rec;
    if (!BlocksOk(t.offset + i * rec, rec)) corrupt = true;
    return p;
  };
  auto less = [&](uint64_t i) { return std::memcmp(at(i), digest, dsize) < 0; };
  auto key = [](const uint8_t* p) {
    uint64_t k = 0;
    for (int j = 0; j < 8; ++j) k = k << 8 | p[j];
    return k;
  };
  // Digests are uniformly distributed: the key's share of the 64-bit range is an
  // interpolation guess that lands within a few records without reading the endpoints; then
  // gallop to bracket the answer and finish with a binary search.
  const uint64_t g = MulHigh64(key(digest), n);
  uint64_t lo, hi;
  if (less(g)) {
    lo = g + 1;
    hi = lo;
    for (uint64_t step = 1; hi < n && less(hi) && !corrupt; step <<= 1) {
      lo = hi + 1;
      hi = std::min(n, hi + step);
    }
  } else {
    hi = g;
    lo = 0;
    for (uint64_t step = 1; hi > 0 && !corrupt; step <<= 1) {
      uint64_t p = hi >= step ? hi - step : 0;
      if (less(p)) {
        lo = p + 1;
        break;
      }
      hi = p;
    }
  }
  while (lo < hi && !corrupt) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (less(mid)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (corrupt) return std::nullopt;
  return lo;
}

template <typename Fn>
bool ImageDatabase::Lookup(SectionKind kind, const uint8_t* digest, uint32_t dsize, uint64_t size,
                           Fn fn) const {
  const Region& t = Sec(kind);
  const uint32_t rec = format::HashRecordSize(dsize);
  const uint64_t n = t.size / rec;
  if (n == 0) return true;
  auto lb = LowerBound(t, rec, digest, dsize);
  if (!lb) return true;
  for (uint64_t i = *lb; i < n; ++i) {
    const uint8_t* p = t.data + i * rec;
    if (!BlocksOk(t.offset + i * rec, rec) || std::memcmp(p, digest, dsize) != 0) break;
    uint64_t want = LoadAt<uint64_t>(p + dsize);
    if (want != kAnySize && want != size) continue;
    if (!fn(LoadAt<uint32_t>(p + dsize + 8))) return false;
  }
  return true;
}

Detection ImageDatabase::MakeDetection(uint32_t meta, Detection::Kind kind) const {
  Detection d;
  d.kind = kind;
  d.name = "(corrupt signature)";
  const Region& m = Sec(SectionKind::kSigMeta);
  const Region& s = Sec(SectionKind::kStrings);
  if (meta >= meta_count_ ||
      !BlocksOk(m.offset + uint64_t{meta} * sizeof(format::SigMeta), sizeof(format::SigMeta))) {
    return d;
  }
  auto rec = LoadAt<format::SigMeta>(m.data + uint64_t{meta} * sizeof(format::SigMeta));
  auto str = [&](uint32_t off, uint32_t len) -> std::optional<std::string> {
    if (off > s.size || len > s.size - off || !BlocksOk(s.offset + off, len)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(s.data + off), len);
  };
  if (auto name = str(rec.name_offset, rec.name_size)) d.name = std::move(*name);
  if (auto src = str(rec.source_offset, rec.source_size)) {
    d.source = *src + ":" + std::to_string(rec.line);
  }
  return d;
}

bool ImageDatabase::StartRange(const format::BodySigRecord& r, uint64_t size,
                               const ExecutableLayout* layout, uint64_t* lo, uint64_t* hi) const {
  // ClamAV has no EP or sections for a PE whose entry point does not map into the file.
  const bool pe = layout != nullptr && layout->entry_point.has_value();
  int64_t base = 0;
  uint64_t extra = 0;
  switch (static_cast<OffsetKind>(r.offset_kind)) {
    case OffsetKind::kAny:
      *lo = 0;
      *hi = size;
      return true;
    case OffsetKind::kAbsolute:
      base = r.offset_value;
      break;
    case OffsetKind::kEof:
      if (static_cast<uint64_t>(r.offset_value) > size) return false;
      base = static_cast<int64_t>(size - static_cast<uint64_t>(r.offset_value));
      break;
    case OffsetKind::kEntryPoint:
      if (!pe || *layout->entry_point > size) return false;
      base = static_cast<int64_t>(*layout->entry_point) + r.offset_value;
      break;
    case OffsetKind::kSection:
    case OffsetKind::kSectionEntire:
      if (!pe || r.section >= layout->sections.size()) return false;
      base =
          static_cast<int64_t>(std::min(layout->sections[r.section].offset, size)) + r.offset_value;
      if (static_cast<OffsetKind>(r.offset_kind) == OffsetKind::kSectionEntire) {
        extra = layout->sections[r.section].size;
      }
      break;
    case OffsetKind::kLastSection:
      if (!pe || layout->sections.empty()) return false;
      base = static_cast<int64_t>(std::min(layout->sections.back().offset, size)) + r.offset_value;
      break;
  }
  if (base < 0 || static_cast<uint64_t>(base) > size) return false;
  *lo = static_cast<uint64_t>(base);
  *hi = SaturatingAdd(SaturatingAdd(*lo, extra), r.shift);
  return true;
}

struct ImageDatabase::ScanState {
  ByteSpan data;
  const ExecutableLayout* layout;
  MatchMode mode;
  std::vector<Detection>* out;
  std::vector<uint64_t> matched;  // one bit per body signature
  bool done = false;
  std::unordered_map<uint64_t, GapMemo> memo;  // (signature, gap element) -> GapMemo
  std::unordered_map<uint32_t, Chain> chains;  // progress of multi-segment signatures
};

namespace {
class SigMemo final : public GapMemoTable {
 public:
  SigMemo(std::unordered_map<uint64_t, GapMemo>* memo, uint32_t sig) : memo_(memo), sig_(sig) {}
  GapMemo* Get(uint32_t elem) override { return &(*memo_)[uint64_t{sig_} << 32 | elem]; }

 private:
  std::unordered_map<uint64_t, GapMemo>* memo_;
  uint32_t sig_;
};
}  // namespace

bool IsUnbounded(const Elem& e) {
  return static_cast<ElemKind>(e.kind) == ElemKind::kGap && e.arg1 == kGapUnbounded;
}

bool ImageDatabase::TryAnchor(ScanState& st, uint32_t sig, uint32_t elem, uint32_t offset,
                              size_t pos) const {
  if (st.matched[sig >> 6] >> (sig & 63) & 1) return false;
  auto r = LoadAt<format::BodySigRecord>(Sec(SectionKind::kBodySigs).data +
                                         uint64_t{sig} * sizeof(format::BodySigRecord));
  if (r.target == 1 && st.layout == nullptr) return false;
  if (pos < offset) return false;
  const auto* elems = reinterpret_cast<const Elem*>(Sec(SectionKind::kElems).data) + r.elem_begin;
  // The anchor's segment: the elements between the unbounded gaps around it.
  uint32_t begin = elem, end = elem + 1, segment = 0;
  while (begin > 0 && !IsUnbounded(elems[begin - 1])) --begin;
  while (end < r.elem_count && !IsUnbounded(elems[end])) ++end;
  for (uint32_t k = 0; k < begin; ++k) segment += IsUnbounded(elems[k]) ? 1 : 0;
  // Segments are found in file order, each starting after the previous one's end plus the
  // gap's minimum: leftmost-first chaining, which is exact for unbounded gaps and keeps a
  // signature like A*B linear in the file size.
  const bool whole = begin == 0 && end == r.elem_count;
  Chain* chain = nullptr;
  if (!whole) {
    chain = &st.chains[sig];
    if (segment != chain->next) return false;
  }
  uint64_t lo = chain ? chain->min_start : 0, hi = st.data.size();
  if (segment == 0 && !StartRange(r, st.data.size(), st.layout, &lo, &hi)) return false;
  SigMemo memo(&st.memo, sig);
  Verifier v(st.data, elems + begin, end - begin, Sec(SectionKind::kPool).data, &memo);
  if (!v.MatchAt(elem - begin, pos - offset, lo, hi)) return false;
  if (end < r.elem_count) {
    chain->next = segment + 1;
    chain->min_start = v.match_end() + elems[end].arg0;
    return false;
  }
  st.matched[sig >> 6] |= uint64_t{1} << (sig & 63);
  st.out->push_back(MakeDetection(r.meta, Detection::Kind::kBody));
  st.done = st.mode == MatchMode::kFirst;
  return st.done;
}

namespace {

// The 4-gram prefilter on its own: the first position in [from, end) (end + 3 <= data size)
// whose 4-gram passes both probes of the Bloom filter, or `end`. A leaf function with few live
// values, so the per-byte loop stays in registers (about 1 in 1,000 positions passes; this
// loop is most of a body scan). Unrolled by four with the checks merged, which halves the
// branches per byte.
size_t NextCandidate(const uint8_t* d, size_t from, size_t end, const uint8_t* bloom,
                     uint32_t shift) {
  auto hit = [&](size_t i) {
    uint32_t g = LoadAt<uint32_t>(d + i);
    uint32_t h1 = (g * 0x9E3779B1u) >> shift;
    uint32_t h2 = (g * 0xC2B2AE35u) >> shift;
    return (bloom[h1 >> 3] >> (h1 & 7)) & (bloom[h2 >> 3] >> (h2 & 7)) & 1u;
  };
  auto first_probe = [&](size_t i) {
    uint32_t h1 = (LoadAt<uint32_t>(d + i) * 0x9E3779B1u) >> shift;
    return (bloom[h1 >> 3] >> (h1 & 7)) & 1u;
  };
  size_t i = from;
  for (; i + 4 <= end; i += 4) {
    if ((first_probe(i) | first_probe(i + 1) | first_probe(i + 2) | first_probe(i + 3)) == 0) {
      continue;
    }
    for (size_t k = i; k < i + 4; ++k) {
      if (hit(k)) return k;
    }
  }
  for (; i < end; ++i) {
    if (hit(i)) return i;
  }
  return end;
}

}  // namespace

template <bool kWithShort>
bool ImageDatabase::ScanFrom(ScanState& st) const {
  const uint8_t* d = st.data.data();
  const size_t n = st.data.size();
  const uint8_t* bloom = Sec(SectionKind::kBloom).data;
  const uint8_t* slots = Sec(SectionKind::kGramTable).data;
  const uint8_t* anchors = Sec(SectionKind::kAnchors).data;
  const uint32_t shift = 32 - header_.bloom_bits;
  const bool grams = anchor_count_ > 0;
  // Positions with a 4-gram: [0, gram_end).
  const size_t gram_end = grams && n >= 4 ? n - 3 : 0;
  auto try_gram = [&](size_t i) {
    uint32_t g = LoadAt<uint32_t>(d + i);
    for (uint32_t s = format::SlotHash(g, header_.gram_bits);; s = (s + 1) & gram_mask_) {
      auto slot = LoadAt<format::GramSlot>(slots + uint64_t{s} * sizeof(format::GramSlot));
      if (slot.count == 0) return false;
      if (slot.gram != g) continue;
      for (uint32_t k = 0; k < slot.count; ++k) {
        auto a = LoadAt<format::AnchorRecord>(anchors + (uint64_t{slot.first} + k) *
                                                            sizeof(format::AnchorRecord));
        if (TryAnchor(st, a.sig, a.elem, a.offset, i)) return true;
      }
      return false;
    }
  };
  if constexpr (!kWithShort) {
    for (size_t i = 0; i < gram_end; ++i) {
      i = NextCandidate(d, i, gram_end, bloom, shift);
      if (i < gram_end && try_gram(i)) return true;
    }
    return false;
  }
  // Both anchor kinds in one pass in file order (segments chain in order), each finder jumping
  // to its next candidate; at the same position the 2-byte anchors go first.
  constexpr size_t kNone = ~size_t{0};
  const uint8_t* sbloom = Sec(SectionKind::kShortBloom).data;
  const size_t short_end = n >= 2 ? n - 1 : 0;
  auto next_gram = [&](size_t from) {
    size_t p = from < gram_end ? NextCandidate(d, from, gram_end, bloom, shift) : gram_end;
    return p < gram_end ? p : kNone;
  };
  auto next_short = [&](size_t from) {
    for (size_t p = from; p < short_end; ++p) {
      uint32_t g = LoadAt<uint16_t>(d + p);
      if (sbloom[g >> 3] & (1u << (g & 7))) return p;
    }
    return kNone;
  };
  size_t at_short = next_short(0), at_gram = next_gram(0);
  while (at_short != kNone || at_gram != kNone) {
    if (at_short <= at_gram) {
      if (ShortAt(st, at_short)) return true;
      at_short = next_short(at_short + 1);
    } else {
      if (try_gram(at_gram)) return true;
      at_gram = next_gram(at_gram + 1);
    }
  }
  return false;
}

bool ImageDatabase::ShortAt(ScanState& st, size_t i) const {
  const uint8_t* sbloom = Sec(SectionKind::kShortBloom).data;
  const uint8_t* shorts = Sec(SectionKind::kShortAnchors).data;
  uint32_t g = LoadAt<uint16_t>(st.data.data() + i);
  if (!(sbloom[g >> 3] & (1u << (g & 7)))) return false;
  uint64_t lo = 0, hi = short_count_;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (LoadAt<uint32_t>(shorts + mid * sizeof(format::ShortAnchorRecord)) < g) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  for (; lo < short_count_; ++lo) {
    auto a = LoadAt<format::ShortAnchorRecord>(shorts + lo * sizeof(format::ShortAnchorRecord));
    if (a.gram != g) break;
    if (TryAnchor(st, a.sig, a.elem, a.offset, i)) return true;
  }
  return false;
}

void ImageDatabase::MatchBody(ByteSpan data, const ExecutableLayout* layout, MatchMode mode,
                              std::vector<Detection>* out) const {
  if (body_count_ == 0) return;
  ScanState st{data,  layout, mode, out, std::vector<uint64_t>((body_count_ + 63) / 64),
               false, {},     {}};
  // One pass in file order over both anchor kinds, so segments chain in order.
  if (short_count_ > 0) {
    ScanFrom<true>(st);
  } else {
    ScanFrom<false>(st);
  }
}

}  // namespace

Result<std::shared_ptr<const Database>> OpenImage(std::unique_ptr<ImageStorage> storage) {
  if constexpr (std::endian::native != std::endian::little) {
    return Unexpected(Unimplemented("compiled signature databases need a little-endian host"));
  }
  if (storage->size() < sizeof(format::FileHeader)) return Unexpected(Corrupt("file too short"));
  auto header = LoadAt<format::FileHeader>(storage->data());
  if (std::memcmp(header.magic, format::kMagic, sizeof(header.magic)) != 0) {
    return Unexpected(Corrupt("not an otguard signature database"));
  }
  if (header.version != format::kVersion || header.header_size != sizeof(format::FileHeader)) {
    return Unexpected(
        Corrupt("unsupported database format version " + std::to_string(header.version)));
  }
  uint8_t digest[32];
  Sha256(storage->data(), offsetof(format::FileHeader, header_sha256), digest);
  if (std::memcmp(digest, header.header_sha256, 32) != 0)
    return Unexpected(Corrupt("header checksum mismatch"));
  auto db = std::make_shared<ImageDatabase>(std::move(storage), header);
  OTGUARD_RETURN_IF_ERROR(db->Init());
  return db;
}

}  // namespace otguard::sigdb
