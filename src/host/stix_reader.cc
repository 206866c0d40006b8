// The streaming STIX container reader (stix_reader.h): nlohmann::json's SAX parser drives a small
// state machine; only the element being built is kept, on an explicit stack of open containers,
// so neither the file's size nor its nesting reaches the call stack or the heap unbounded.
#include "host/stix_reader.h"

#include <algorithm>
#include <streambuf>
#include <utility>
#include <vector>

namespace otguard::host::stix {
namespace {

using Json = nlohmann::json;

// What a value in memory costs beyond its string bytes: the json value itself, and for a member
// of an object the tree node holding its key (std::map node with a std::string key).
constexpr size_t kValueOverhead = sizeof(Json);
constexpr size_t kMemberOverhead = 64;

// Passes the caller's stream through in large chunks, knows how many bytes the parser consumed,
// and refuses to read on when the parser has gone kMaxObjectBytes without one SAX event (a
// single token that long: the lexer would hold all of it).
class CountingBuffer : public std::streambuf {
 public:
  static constexpr size_t kChunkBytes = 64 * 1024;

  explicit CountingBuffer(std::istream& in) : in_(in) {}

  // Bytes the parser has taken so far.
  uint64_t Consumed() const { return filled_ - static_cast<uint64_t>(egptr() - gptr()); }
  // Called at every SAX event: the token before it has ended.
  void MarkEvent() { mark_ = Consumed(); }
  bool TokenTooLong() const { return token_too_long_; }
  // nlohmann's lexer takes a NUL byte for the end of input and stops there, whatever follows.
  bool StoppedAtNul() const { return gptr() > eback() && gptr()[-1] == '\0'; }
  bool ReadFailed() const { return in_.bad(); }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (filled_ - mark_ > kMaxObjectBytes) {
      token_too_long_ = true;
      return traits_type::eof();
    }
    in_.read(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
    const auto got = in_.gcount();
    if (got <= 0) return traits_type::eof();
    filled_ += static_cast<uint64_t>(got);
    setg(chunk_.data(), chunk_.data(), chunk_.data() + got);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::istream& in_;
  std::vector<char> chunk_ = std::vector<char>(kChunkBytes);  // on the heap: callers' stacks vary
  uint64_t filled_ = 0;                                       // bytes taken from in_
  uint64_t mark_ = 0;                                         // Consumed() at the last SAX event
  bool token_too_long_ = false;
};

// Where the parser is in the container.
enum class Place {
  kStart,       // nothing read yet
  kTopMembers,  // between the members of the top-level object
  kInObjects,   // directly inside the objects array (or the top-level list)
  kBuilding,    // inside an element object: open containers on stack_
  kSkipping,    // inside a value that is not kept: skip_depth_ containers open
  kEnd,         // the top-level value has closed
};

// The top-level keys that matter; others' values are skipped.
enum class TopKey { kOther, kType, kId, kSpecVersion, kObjects };

TopKey ClassifyTopKey(const std::string& key) {
  if (key == "type") return TopKey::kType;
  if (key == "id") return TopKey::kId;
  if (key == "spec_version") return TopKey::kSpecVersion;
  if (key == "objects") return TopKey::kObjects;
  return TopKey::kOther;
}

std::string WhatAfterPosition(const std::string& what) {
  // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error
  // while parsing ..."; the byte offset replaces the prefix, line and column stay at the end.
  const size_t at = what.find(" at line ");
  const size_t colon = at == std::string::npos ? at : what.find(": ", at);
  if (colon == std::string::npos) return what;
  return what.substr(colon + 2) + " (" + what.substr(at + 4, colon - at - 4) + ")";
}

// The SAX handler (nlohmann's json_sax concept). Every callback returns false to stop the parse
// once error_ is set.
class ContainerReader {
 public:
  using OnObject = std::function<Status(Json&& object, size_t index)>;

  ContainerReader(const std::string& origin, const OnObject& on_object, CountingBuffer& buffer)
      : origin_(origin), on_object_(on_object), buffer_(buffer) {}

  const Status& error() const { return error_; }
  ReadSummary& summary() { return summary_; }
  // After a successful parse: which container it was, or the error that it is none.
  Status Finish();

  // --- json_sax ---
  bool null() { return Scalar(Json(nullptr), 0); }
  bool boolean(bool value) { return Scalar(Json(value), 0); }
  bool number_integer(Json::number_integer_t value) { return Scalar(Json(value), 0); }
  bool number_unsigned(Json::number_unsigned_t value) { return Scalar(Json(value), 0); }
  bool number_float(Json::number_float_t value, const Json::string_t& /*text*/) {
    return Scalar(Json(value), 0);
  }
  bool string(Json::string_t& value);
  bool binary(Json::binary_t& /*value*/) { return Fail("binary value in JSON"); }
  bool start_object(std::size_t /*elements*/) { return Open(/*is_object=*/true); }
  bool start_array(std::size_t /*elements*/) { return Open(/*is_object=*/false); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(Json::string_t& key);
  bool parse_error(std::size_t position, const std::string& last_token,
                   const Json::exception& error);

 private:
  struct Frame {
    Json value;       // the open object or array
    std::string key;  // the pending member's key (objects)
  };

  bool Fail(const std::string& message) {
    if (error_.ok()) error_ = InvalidArgument(origin_ + ": " + message);
    return false;
  }
  std::string AtByte() const { return " at byte " + std::to_string(buffer_.Consumed()); }

  bool Scalar(Json&& value, size_t string_bytes);
  bool Open(bool is_object);
  bool Close();
  bool OpenElement(bool is_object);
  bool OpenTopMember(bool is_array);
  bool TopScalar(Json&& value);
  bool Grow(size_t bytes);
  void Add(Json&& value);
  bool Deliver(Json&& object);
  void Skip(Place back_to) {
    place_ = Place::kSkipping;
    skip_back_to_ = back_to;
    skip_depth_ = 1;
  }

  const std::string& origin_;
  const OnObject& on_object_;
  CountingBuffer& buffer_;
  Status error_;
  ReadSummary summary_;

  Place place_ = Place::kStart;
  size_t depth_ = 0;  // containers open in the file
  bool top_is_list_ = false;

  // The top-level object's members.
  TopKey top_key_ = TopKey::kOther;
  bool type_seen_ = false;
  std::string type_;  // "" when "type" is not a string
  bool objects_seen_ = false;
  bool more_seen_ = false;  // TAXII's "more": an envelope that may omit "objects" when empty

  // The element being built.
  std::vector<Frame> stack_;
  size_t element_bytes_ = 0;

  Place skip_back_to_ = Place::kStart;
  size_t skip_depth_ = 0;
};

bool ContainerReader::string(Json::string_t& value) {
  const size_t bytes = value.size();
  return Scalar(Json(std::move(value)), bytes);
}

bool ContainerReader::Scalar(Json&& value, size_t string_bytes) {
  buffer_.MarkEvent();
  switch (place_) {
    case Place::kStart:
      return Fail("not a STIX bundle, TAXII envelope or list of objects: the file is one " +
                  std::string(value.type_name()));
    case Place::kTopMembers:
      return TopScalar(std::move(value));
    case Place::kInObjects:
      ++summary_.objects;
      ++summary_.skipped;
      return true;
    case Place::kBuilding:
      if (!Grow(string_bytes + kValueOverhead)) return false;
      Add(std::move(value));
      return true;
    case Place::kSkipping:
    case Place::kEnd:
      return true;
  }
  return true;
}

bool ContainerReader::TopScalar(Json&& value) {
  switch (top_key_) {
    case TopKey::kType:
      type_ = value.is_string() ? value.get<std::string>() : "";
      break;
    case TopKey::kId:
      if (value.is_string()) summary_.bundle_id = value.get<std::string>();
      break;
    case TopKey::kSpecVersion:
      if (value.is_string()) summary_.spec_version = value.get<std::string>();
      break;
    case TopKey::kObjects:
      return Fail("\"objects\" is a " + std::string(value.type_name()) + ", not a list");
    case TopKey::kOther:
      break;
  }
  return true;
}

bool ContainerReader::key(Json::string_t& key) {
  buffer_.MarkEvent();
  if (place_ == Place::kTopMembers) {
    top_key_ = ClassifyTopKey(key);
    more_seen_ |= key == "more";
    if (top_key_ == TopKey::kType || top_key_ == TopKey::kObjects) {
      bool& seen = top_key_ == TopKey::kType ? type_seen_ : objects_seen_;
      if (seen) return Fail("the top-level key \"" + key + "\" appears twice" + AtByte());
      seen = true;
    }
    return true;
  }
  if (place_ != Place::kBuilding) return true;
  stack_.back().key = std::move(key);
  return Grow(stack_.back().key.size() + kMemberOverhead);
}

bool ContainerReader::Open(bool is_object) {
  buffer_.MarkEvent();
  if (++depth_ > kMaxNestingDepth) {
    return Fail("nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels" + AtByte());
  }
  switch (place_) {
    case Place::kStart:
      top_is_list_ = !is_object;
      place_ = is_object ? Place::kTopMembers : Place::kInObjects;
      return true;
    case Place::kTopMembers:
      return OpenTopMember(!is_object);
    case Place::kInObjects:
      return OpenElement(is_object);
    case Place::kBuilding:
      stack_.push_back(Frame{is_object ? Json::object() : Json::array(), {}});
      return Grow(kValueOverhead);
    case Place::kSkipping:
      ++skip_depth_;
      return true;
    case Place::kEnd:
      return true;
  }
  return true;
}

bool ContainerReader::OpenTopMember(bool is_array) {
  if (top_key_ != TopKey::kObjects) {
    Skip(Place::kTopMembers);
    return true;
  }
  if (!is_array) return Fail("\"objects\" is an object, not a list" + AtByte());
  place_ = Place::kInObjects;
  return true;
}

bool ContainerReader::OpenElement(bool is_object) {
  ++summary_.objects;
  if (!is_object) {
    ++summary_.skipped;
    Skip(Place::kInObjects);
    return true;
  }
  place_ = Place::kBuilding;
  element_bytes_ = kValueOverhead;
  stack_.push_back(Frame{Json::object(), {}});
  return true;
}

bool ContainerReader::Close() {
  buffer_.MarkEvent();
  --depth_;
  switch (place_) {
    case Place::kTopMembers:
      place_ = Place::kEnd;
      return true;
    case Place::kInObjects:
      place_ = top_is_list_ ? Place::kEnd : Place::kTopMembers;
      return true;
    case Place::kBuilding: {
      Json done = std::move(stack_.back().value);
      stack_.pop_back();
      if (stack_.empty()) return Deliver(std::move(done));
      Add(std::move(done));
      return true;
    }
    case Place::kSkipping:
      if (--skip_depth_ == 0) place_ = skip_back_to_;
      return true;
    case Place::kStart:
    case Place::kEnd:
      return true;
  }
  return true;
}

// Counts `bytes` more for the element being built; false (and the error) past the limit.
bool ContainerReader::Grow(size_t bytes) {
  element_bytes_ += bytes;
  if (element_bytes_ <= kMaxObjectBytes) return true;
  return Fail("object " + std::to_string(summary_.objects - 1) + " is larger than " +
              std::to_string(kMaxObjectBytes >> 20) + " MiB" + AtByte());
}

// Puts a finished value into the innermost open container.
void ContainerReader::Add(Json&& value) {
  Frame& top = stack_.back();
  if (top.value.is_object()) {
    top.value[std::move(top.key)] = std::move(value);  // a repeated key: the last wins, as parse()
    top.key.clear();
  } else {
    top.value.push_back(std::move(value));
  }
}

bool ContainerReader::Deliver(Json&& object) {
  place_ = Place::kInObjects;
  element_bytes_ = 0;
  Status status = on_object_(std::move(object), summary_.objects - 1);
  if (!status.ok()) {
    error_ = std::move(status);
    return false;
  }
  return true;
}

bool ContainerReader::parse_error(std::size_t position, const std::string& /*last_token*/,
                                  const Json::exception& error) {
  if (buffer_.TokenTooLong()) {
    if (place_ == Place::kBuilding) return Grow(kMaxObjectBytes + 1);
    return Fail("a single JSON token (string, number or whitespace) longer than " +
                std::to_string(kMaxObjectBytes >> 20) + " MiB" + AtByte());
  }
  // nlohmann counts the end of input as a character read, and our buffer a character it read
  // ahead and put back: the smaller is where the parser stopped.
  const uint64_t at = std::min<uint64_t>(position, buffer_.Consumed());
  return Fail("not JSON at byte " + std::to_string(at) + ": " + WhatAfterPosition(error.what()));
}

Status ContainerReader::Finish() {
  summary_.bytes = buffer_.Consumed();
  if (top_is_list_) {
    summary_.container = Container::kList;
    return Status::Ok();
  }
  if (type_seen_ && type_ == "bundle") {
    summary_.container = Container::kBundle;
    return Status::Ok();
  }
  // TAXII 2.1 (5.3) envelope properties are all optional: an empty page is "{}".
  if (!type_seen_) {
    summary_.container = Container::kEnvelope;
    summary_.bundle_id.clear();
    summary_.spec_version.clear();
    return Status::Ok();
  }
  std::string why = type_seen_ ? "its \"type\" is not \"bundle\"" : "it has no \"objects\"";
  return InvalidArgument(origin_ +
                         ": not a STIX bundle ({\"type\": \"bundle\", \"objects\": [...]}), "
                         "TAXII envelope ({\"objects\": [...]}) or list of objects: " +
                         why);
}

}  // namespace

Result<ReadSummary> ReadObjects(
    std::istream& in, const std::string& origin,
    const std::function<Status(nlohmann::json&& object, size_t index)>& on_object) {
  if (in.fail()) return Unexpected(IoError(origin + ": cannot read (the stream has failed)"));
  CountingBuffer buffer(in);
  std::istream counted(&buffer);
  ContainerReader reader(origin, on_object, buffer);
  bool parsed = false;
  try {
    parsed = Json::sax_parse(counted, &reader);
  } catch (const Json::exception& e) {
    return Unexpected(InvalidArgument(origin + ": not JSON: " + e.what()));
  }
  if (buffer.ReadFailed()) {
    return Unexpected(
        IoError(origin + ": read failed at byte " + std::to_string(buffer.Consumed())));
  }
  if (!parsed) {
    if (!reader.error().ok()) return Unexpected(reader.error());
    return Unexpected(InvalidArgument(origin + ": not JSON"));
  }
  if (buffer.StoppedAtNul()) {
    return Unexpected(InvalidArgument(origin + ": not JSON at byte " +
                                      std::to_string(buffer.Consumed() - 1) +
                                      ": a NUL byte after the JSON value"));
  }
  OTGUARD_RETURN_IF_ERROR(reader.Finish());
  return std::move(reader.summary());
}

}  // namespace otguard::host::stix
