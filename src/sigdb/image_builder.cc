// Compiles parsed signatures into the image described in format.h.
#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <unordered_map>

#include "sigdb/format.h"
#include "sigdb/image.h"

namespace otguard::sigdb {
namespace {

using format::SectionKind;

// How common each byte value is in real executables and libraries (about 3 * log2 of its
// frequency relative to uniform, measured over /usr/lib/x86_64-linux-gnu): anchors made of
// rare bytes keep the 4-gram prefilter quiet.
constexpr uint8_t kByteCommonness[256] = {
    31, 19, 17, 16, 17, 15, 15, 12, 17, 11, 10, 9,  10, 9,  15, 18, 15, 10, 9,  8,  9,  10, 6,  7,
    13, 7,  7,  9,  10, 7,  8,  11, 14, 7,  6,  6,  19, 8,  5,  6,  12, 9,  4,  5,  7,  6,  10, 5,
    12, 13, 9,  8,  10, 8,  7,  6,  11, 12, 9,  9,  8,  6,  5,  5,  12, 17, 13, 10, 15, 13, 8,  9,
    22, 15, 6,  7,  17, 11, 9,  7,  12, 5,  8,  11, 11, 9,  10, 8,  8,  4,  6,  7,  8,  7,  7,  14,
    8,  11, 7,  9,  11, 12, 14, 7,  9,  11, 4,  6,  12, 10, 11, 11, 11, 5,  12, 11, 15, 12, 9,  7,
    9,  8,  5,  5,  9,  6,  6,  7,  12, 8,  5,  15, 15, 13, 6,  5,  8,  19, 4,  18, 8,  15, 6,  6,
    9,  3,  3,  3,  7,  4,  3,  3,  6,  3,  2,  2,  5,  2,  3,  4,  8,  2,  3,  4,  4,  2,  2,  2,
    6,  2,  4,  3,  6,  2,  2,  3,  7,  2,  2,  4,  7,  3,  7,  6,  8,  7,  7,  4,  8,  4,  7,  5,
    13, 12, 8,  10, 8,  9,  9,  12, 8,  8,  5,  3,  5,  4,  5,  5,  8,  6,  8,  5,  4,  4,  6,  4,
    7,  5,  5,  6,  4,  4,  6,  8,  10, 6,  6,  4,  5,  5,  6,  7,  15, 11, 6,  10, 6,  7,  7,  8,
    9,  6,  7,  7,  4,  5,  9,  8,  10, 7,  8,  8,  8,  13, 14, 19,
};

template <typename T>
void Append(std::vector<uint8_t>* out, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out->insert(out->end(), p, p + sizeof(T));
}

uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

uint32_t CeilLog2(uint64_t n) { return n <= 1 ? 0 : 64 - std::countl_zero(n - 1); }

struct Anchor {
  bool is_short = false;
  uint32_t gram = 0;
  uint32_t elem = 0;
  uint32_t offset = 0;
};

class Builder {
 public:
  explicit Builder(const CompileInput& in) : in_(in) {}

  std::vector<uint8_t> Build(uint64_t created_unix) {
    BuildHashTables();
    BuildBody();
    return Assemble(created_unix);
  }

 private:
  uint32_t AddString(const std::string& s) {
    uint32_t at = static_cast<uint32_t>(strings_.size());
    strings_.insert(strings_.end(), s.begin(), s.end());
    return at;
  }

  uint32_t AddMeta(const std::string& name, const SigSource& src) {
    auto it = source_ids_.find(src.path);
    if (it == source_ids_.end()) {
      it = source_ids_.emplace(src.path, AddString(src.path)).first;
    }
    format::SigMeta m{AddString(name), static_cast<uint32_t>(name.size()), it->second,
                      static_cast<uint32_t>(src.path.size()), src.line};
    Append(&meta_, m);
    return meta_count_++;
  }

  void BuildHashTables() {
    for (const auto& [sig, src] : in_.hashes) AddHash(sig, src, /*allow=*/false);
    for (const auto& [sig, src] : in_.allowlist) AddHash(sig, src, /*allow=*/true);
    for (int t = 0; t < 6; ++t) SortTable(&tables_[t], kDigestSizes[t % 3]);
  }

  static constexpr uint32_t kDigestSizes[3] = {16, 20, 32};

  void AddHash(const HashSig& sig, const SigSource& src, bool allow) {
    int kind = sig.kind == DigestKind::kMd5 ? 0 : sig.kind == DigestKind::kSha1 ? 1 : 2;
    needed_hashes_ |= DigestBit(sig.kind);
    std::vector<uint8_t>& table = tables_[(allow ? 3 : 0) + kind];
    uint32_t meta = AddMeta(sig.name, src);
    table.insert(table.end(), sig.digest.begin(), sig.digest.begin() + kDigestSizes[kind]);
    Append(&table, sig.size);
    Append(&table, meta);
  }

  // Sorts fixed-size records by digest (the lookup order), keeping insertion order among
  // equal digests so the first source of a duplicate is reported first.
  static void SortTable(std::vector<uint8_t>* table, uint32_t digest_size) {
    const uint32_t rec = format::HashRecordSize(digest_size);
    size_t n = table->size() / rec;
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    const uint8_t* base = table->data();
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return std::memcmp(base + size_t{a} * rec, base + size_t{b} * rec, digest_size) < 0;
    });
    std::vector<uint8_t> sorted(table->size());
    for (size_t i = 0; i < n; ++i) {
      std::memcpy(sorted.data() + i * rec, base + size_t{order[i]} * rec, rec);
    }
    *table = std::move(sorted);
  }

  void BuildBody() {
    std::vector<Anchor> anchors;
    for (const auto& [sig, src] : in_.bodies) {
      uint32_t id = static_cast<uint32_t>(body_count_++);
      format::BodySigRecord r{};
      r.meta = AddMeta(sig.name, src);
      r.target = sig.target;
      r.offset_kind = static_cast<uint8_t>(sig.offset.kind);
      r.section = sig.offset.section;
      r.elem_begin = static_cast<uint32_t>(elems_.size());
      r.elem_count = static_cast<uint32_t>(sig.pattern.elems.size());
      r.offset_value = sig.offset.value;
      r.shift = sig.offset.shift;
      if (sig.target == 1 || sig.offset.kind >= OffsetKind::kEntryPoint) needs_layout_ = true;
      uint32_t pool_base = static_cast<uint32_t>(pool_.size());
      pool_.insert(pool_.end(), sig.pattern.pool.begin(), sig.pattern.pool.end());
      for (Elem e : sig.pattern.elems) {
        if (static_cast<ElemKind>(e.kind) != ElemKind::kGap) e.arg0 += pool_base;
        elems_.push_back(e);
      }
      Append(&bodies_, r);
      // One anchor per segment (the parts between unbounded gaps): the matcher chains
      // the segments as their anchors turn up in the file.
      const auto& elems = sig.pattern.elems;
      for (uint32_t begin = 0; begin < elems.size();) {
        uint32_t end = begin;
        while (end < elems.size() && !(static_cast<ElemKind>(elems[end].kind) == ElemKind::kGap &&
                                       elems[end].arg1 == kGapUnbounded)) {
          ++end;
        }
        Anchor a = ChooseAnchor(sig.pattern, begin, end);
        if (a.is_short) {
          short_.push_back({a.gram, id, a.elem, a.offset});
        } else {
          grams_[a.gram].push_back({id, a.elem, a.offset});
        }
        begin = end + 1;
      }
    }
    BuildPrefilter();
  }

  // The rarest four fixed bytes in a row (by byte commonness, and by how many signatures
  // already use the same 4-gram); two bytes when the pattern has no four in a row.
  Anchor ChooseAnchor(const Pattern& p, uint32_t begin, uint32_t end) {
    Anchor best;
    int best_score = -1;
    for (uint32_t i = begin; i < end; ++i) {
      const Elem& e = p.elems[i];
      if (static_cast<ElemKind>(e.kind) != ElemKind::kExact || e.count < 4) continue;
      const uint8_t* b = p.pool.data() + e.arg0;
      for (uint32_t k = 0; k + 4 <= e.count; ++k) {
        uint32_t gram = Load32(b + k);
        auto it = grams_.find(gram);
        int score =
            kByteCommonness[b[k]] + kByteCommonness[b[k + 1]] + kByteCommonness[b[k + 2]] +
            kByteCommonness[b[k + 3]] +
            4 * static_cast<int>(it == grams_.end() ? 0 : std::min<size_t>(it->second.size(), 64));
        if (best_score < 0 || score < best_score) {
          best_score = score;
          best = {false, gram, i, k};
        }
      }
    }
    if (best_score >= 0) return best;
    for (uint32_t i = begin; i < end; ++i) {
      const Elem& e = p.elems[i];
      if (static_cast<ElemKind>(e.kind) != ElemKind::kExact || e.count < 2) continue;
      const uint8_t* b = p.pool.data() + e.arg0;
      for (uint32_t k = 0; k + 2 <= e.count; ++k) {
        int score = kByteCommonness[b[k]] + kByteCommonness[b[k + 1]];
        if (best_score < 0 || score < best_score) {
          best_score = score;
          best = {true, static_cast<uint32_t>(b[k] | b[k + 1] << 8), i, k};
        }
      }
    }
    return best;  // the parser guarantees two fixed bytes in a row in every part
  }

  void BuildPrefilter() {
    const uint64_t distinct = std::max<uint64_t>(grams_.size(), 1);
    bloom_bits_ = std::clamp<uint32_t>(CeilLog2(distinct * 64), 16, 24);
    gram_bits_ = std::clamp<uint32_t>(CeilLog2(distinct * 2), 4, 28);
    bloom_.assign(size_t{1} << (bloom_bits_ - 3), 0);
    std::vector<format::GramSlot> slots(size_t{1} << gram_bits_, format::GramSlot{0, 0, 0});
    const uint32_t mask = (1u << gram_bits_) - 1;
    for (const auto& [gram, list] : grams_) {
      for (uint32_t h :
           {format::BloomHash(gram, bloom_bits_), format::BloomHash2(gram, bloom_bits_)}) {
        bloom_[h >> 3] |= static_cast<uint8_t>(1u << (h & 7));
      }
      uint32_t s = format::SlotHash(gram, gram_bits_);
      while (slots[s].count != 0) s = (s + 1) & mask;
      slots[s] = {gram, static_cast<uint32_t>(anchors_.size() / sizeof(format::AnchorRecord)),
                  static_cast<uint32_t>(list.size())};
      for (const auto& a : list) Append(&anchors_, a);
    }
    for (const auto& s : slots) Append(&gram_table_, s);
    if (short_.empty()) return;
    std::stable_sort(short_.begin(), short_.end(),
                     [](const auto& a, const auto& b) { return a.gram < b.gram; });
    short_bloom_.assign(65536 / 8, 0);
    for (const auto& s : short_) {
      short_bloom_[s.gram >> 3] |= static_cast<uint8_t>(1u << (s.gram & 7));
      Append(&short_anchors_, s);
    }
  }

  struct Section {
    SectionKind kind;
    uint32_t flags;
    const std::vector<uint8_t>* bytes;
  };

  std::vector<uint8_t> Assemble(uint64_t created_unix) {
    // Hot sections first: they are verified by Open() and read by every body scan.
    std::vector<Section> sections = {
        {SectionKind::kBloom, 0, &bloom_},
        {SectionKind::kGramTable, 0, &gram_table_},
        {SectionKind::kAnchors, 0, &anchors_},
        {SectionKind::kShortBloom, 0, &short_bloom_},
        {SectionKind::kShortAnchors, 0, &short_anchors_},
        {SectionKind::kBodySigs, 0, &bodies_},
        {SectionKind::kElems, 0, &elems_bytes_},
        {SectionKind::kPool, 0, &pool_},
        {SectionKind::kSigMeta, format::kLazy, &meta_},
        {SectionKind::kStrings, format::kLazy, &strings_},
        {SectionKind::kHashMd5, format::kLazy, &tables_[0]},
        {SectionKind::kHashSha1, format::kLazy, &tables_[1]},
        {SectionKind::kHashSha256, format::kLazy, &tables_[2]},
        {SectionKind::kAllowMd5, format::kLazy, &tables_[3]},
        {SectionKind::kAllowSha1, format::kLazy, &tables_[4]},
        {SectionKind::kAllowSha256, format::kLazy, &tables_[5]},
    };
    elems_bytes_.resize(elems_.size() * sizeof(Elem));
    if (!elems_.empty()) std::memcpy(elems_bytes_.data(), elems_.data(), elems_bytes_.size());

    auto align = [](uint64_t v) {
      return (v + format::kSectionAlign - 1) & ~uint64_t{format::kSectionAlign - 1};
    };
    uint64_t data_size = 0;
    std::vector<uint64_t> rel(sections.size());
    for (size_t i = 0; i < sections.size(); ++i) {
      rel[i] = data_size;
      data_size = align(data_size + sections[i].bytes->size());
    }
    const uint64_t blocks = (data_size + format::kBlockSize - 1) / format::kBlockSize;
    const uint64_t data_offset =
        align(sizeof(format::FileHeader) + sections.size() * sizeof(format::SectionEntry) +
              blocks * format::kBlockHashSize);
    std::vector<uint8_t> image(data_offset + data_size, 0);
    format::FileHeader h{};
    std::memcpy(h.magic, format::kMagic, sizeof(h.magic));
    h.version = format::kVersion;
    h.header_size = sizeof(format::FileHeader);
    h.file_size = image.size();
    h.created_unix = created_unix;
    h.hash_signatures = in_.hashes.size();
    h.body_signatures = in_.bodies.size();
    h.allowlist_entries = in_.allowlist.size();
    h.section_count = static_cast<uint32_t>(sections.size());
    h.block_size = format::kBlockSize;
    h.data_offset = data_offset;
    h.block_count = blocks;
    h.needed_hashes = needed_hashes_;
    h.flags = (body_count_ ? uint32_t{format::kHasBody} : 0u) |
              (needs_layout_ ? uint32_t{format::kNeedsLayout} : 0u);
    h.bloom_bits = bloom_bits_;
    h.gram_bits = gram_bits_;

    uint8_t* dir = image.data() + sizeof(format::FileHeader);
    for (size_t i = 0; i < sections.size(); ++i) {
      format::SectionEntry e{static_cast<uint32_t>(sections[i].kind), sections[i].flags,
                             data_offset + rel[i], sections[i].bytes->size()};
      std::memcpy(dir + i * sizeof(e), &e, sizeof(e));
      if (!sections[i].bytes->empty()) {
        std::memcpy(image.data() + e.offset, sections[i].bytes->data(), e.size);
      }
    }
    uint8_t* block_table = dir + sections.size() * sizeof(format::SectionEntry);
    for (uint64_t b = 0; b < blocks; ++b) {
      uint64_t start = data_offset + b * format::kBlockSize;
      uint64_t len = std::min<uint64_t>(format::kBlockSize, image.size() - start);
      uint8_t digest[32];
      Sha256(image.data() + start, len, digest);
      std::memcpy(block_table + b * format::kBlockHashSize, digest, format::kBlockHashSize);
    }
    const size_t hs = sizeof(format::FileHeader);
    Sha256(image.data() + hs, data_offset - hs, h.meta_sha256);
    Sha256(image.data() + hs, image.size() - hs, h.payload_sha256);
    Sha256(reinterpret_cast<const uint8_t*>(&h), offsetof(format::FileHeader, header_sha256),
           h.header_sha256);
    std::memcpy(image.data(), &h, sizeof(h));
    return image;
  }

  const CompileInput& in_;
  std::vector<uint8_t> strings_, meta_, bodies_, elems_bytes_, pool_;
  std::vector<uint8_t> tables_[6];
  std::vector<uint8_t> bloom_, gram_table_, anchors_, short_bloom_, short_anchors_;
  std::vector<Elem> elems_;
  std::map<uint32_t, std::vector<format::AnchorRecord>> grams_;
  std::vector<format::ShortAnchorRecord> short_;
  std::unordered_map<std::string, uint32_t> source_ids_;
  uint32_t meta_count_ = 0;
  uint64_t body_count_ = 0;
  uint32_t needed_hashes_ = 0;
  bool needs_layout_ = false;
  uint32_t bloom_bits_ = 16;
  uint32_t gram_bits_ = 4;
};

}  // namespace

std::vector<uint8_t> BuildImage(const CompileInput& input, uint64_t created_unix) {
  return Builder(input).Build(created_unix);
}

}  // namespace otguard::sigdb
