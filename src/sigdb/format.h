// The compiled database file (".ogdb"): a position-independent image that is memory-mapped
// read-only and searched in place. Every reference is an offset or an index, never a pointer.
//
//   [FileHeader][SectionEntry x N][BlockHash x B] | data region: sections, 64-byte aligned
//
// Integrity: header_sha256 covers the header; meta_sha256 the directory and block table;
// every 64 KiB block of the data region has a (truncated) SHA-256 in the block table. Open()
// checks the header, the directory and the blocks of the sections every scan touches; the
// bulk sections (hash tables, names) are checked block by block on first use, so a database
// of a million hashes opens in milliseconds. payload_sha256 covers everything after the
// header and is what `otguard sigs verify` and `sigs info` show. Multi-byte fields are
// little-endian; the format is read on little-endian hosts only.
#ifndef OTGUARD_SRC_SIGDB_FORMAT_H_
#define OTGUARD_SRC_SIGDB_FORMAT_H_

#include <cstdint>

namespace otguard::sigdb::format {

constexpr char kMagic[8] = {'O', 'T', 'G', 'S', 'I', 'G', 'D', 'B'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kBlockSize = 64 * 1024;
constexpr uint32_t kSectionAlign = 64;
constexpr uint32_t kMaxSections = 64;
// Databases whose data region is at most this big are verified completely by Open().
constexpr uint64_t kEagerVerifyLimit = 8u << 20;

enum HeaderFlags : uint32_t { kHasBody = 1, kNeedsLayout = 2 };

struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_size;
  uint64_t file_size;
  uint64_t created_unix;
  uint64_t hash_signatures;
  uint64_t body_signatures;
  uint64_t allowlist_entries;
  uint32_t section_count;
  uint32_t block_size;
  uint64_t data_offset;
  uint64_t block_count;
  uint32_t needed_hashes;  // DigestSet
  uint32_t flags;          // HeaderFlags
  uint32_t bloom_bits;     // log2 of the 4-gram prefilter's bit count
  uint32_t gram_bits;      // log2 of the 4-gram hash table's slot count
  uint8_t payload_sha256[32];
  uint8_t meta_sha256[32];
  uint8_t header_sha256[32];  // over the bytes above
};
static_assert(sizeof(FileHeader) == 192);

enum class SectionKind : uint32_t {
  kStrings = 1,     // names and source paths
  kSigMeta = 2,     // SigMeta per signature id
  kHashMd5 = 3,     // HashRecord<16>, sorted by digest then size
  kHashSha1 = 4,    // HashRecord<20>
  kHashSha256 = 5,  // HashRecord<32>
  kAllowMd5 = 6,    // allowlist tables, same records
  kAllowSha1 = 7,
  kAllowSha256 = 8,
  kBodySigs = 9,       // BodySigRecord
  kElems = 10,         // Elem (pattern.h)
  kPool = 11,          // pattern bytes
  kBloom = 12,         // 2^bloom_bits bits over 4-grams, two hashes (BloomHash, BloomHash2)
  kGramTable = 13,     // GramSlot x 2^gram_bits, open addressing on the 4-gram
  kAnchors = 14,       // AnchorRecord, grouped by 4-gram
  kShortBloom = 15,    // 65536 bits over 2-grams (signatures without 4 fixed bytes in a row)
  kShortAnchors = 16,  // ShortAnchorRecord sorted by 2-gram
};
constexpr uint32_t kMaxSectionKind = 16;

enum SectionFlags : uint32_t { kLazy = 1 };  // verified block by block on first use

struct SectionEntry {
  uint32_t kind;
  uint32_t flags;
  uint64_t offset;  // from the start of the file
  uint64_t size;
};
static_assert(sizeof(SectionEntry) == 24);

constexpr uint32_t kBlockHashSize = 16;

struct SigMeta {
  uint32_t name_offset;
  uint32_t name_size;
  uint32_t source_offset;
  uint32_t source_size;
  uint32_t line;
};
static_assert(sizeof(SigMeta) == 20);

// A hash record is digest[N] + u64 size (kAnySize = any) + u32 meta id, packed.
constexpr uint32_t HashRecordSize(uint32_t digest_size) { return digest_size + 12; }

struct BodySigRecord {
  uint32_t meta;
  uint8_t target;
  uint8_t offset_kind;  // parse.h OffsetKind
  uint16_t reserved;
  uint32_t section;
  uint32_t elem_begin;
  uint32_t elem_count;
  uint32_t reserved2;
  int64_t offset_value;
  uint64_t shift;
};
static_assert(sizeof(BodySigRecord) == 40);

struct GramSlot {
  uint32_t gram;
  uint32_t first;  // index into kAnchors
  uint32_t count;  // 0 = empty slot
};
static_assert(sizeof(GramSlot) == 12);

struct AnchorRecord {
  uint32_t sig;
  uint32_t elem;    // element index within the signature (a kExact element)
  uint32_t offset;  // where the anchor bytes start within that element
};
static_assert(sizeof(AnchorRecord) == 12);

struct ShortAnchorRecord {
  uint32_t gram;  // 2-gram, little-endian
  uint32_t sig;
  uint32_t elem;
  uint32_t offset;
};
static_assert(sizeof(ShortAnchorRecord) == 16);

inline uint32_t BloomHash(uint32_t gram, uint32_t bits) {
  return (gram * 0x9E3779B1u) >> (32 - bits);
}
inline uint32_t BloomHash2(uint32_t gram, uint32_t bits) {
  return (gram * 0xC2B2AE35u) >> (32 - bits);
}
inline uint32_t SlotHash(uint32_t gram, uint32_t bits) {
  return (gram * 0x85EBCA6Bu) >> (32 - bits);
}

}  // namespace otguard::sigdb::format

#endif  // OTGUARD_SRC_SIGDB_FORMAT_H_
