#include "core/zip_archive.h"

#include "core/error.h"

#include <array>

namespace stylecam {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr size_t kEndOfDirectorySize = 22;

/// Bounds-checked little-endian reads from a byte range.
class Cursor {
  public:
    Cursor(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    uint64_t uint(uint64_t offset, size_t size, const char* what) const {
        check(offset, size, what);
        uint64_t value = 0;
        for (size_t i = 0; i < size; ++i)
            value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[offset + i]))
                     << (8 * i);
        return value;
    }
    std::string_view range(uint64_t offset, uint64_t size, const char* what) const {
        check(offset, size, what);
        return bytes_.substr(static_cast<size_t>(offset), static_cast<size_t>(size));
    }
    void check(uint64_t offset, uint64_t size, const char* what) const {
        STYLECAM_CHECK(offset <= bytes_.size() && size <= bytes_.size() - offset, name_, ": zip ",
                       what, " lies outside the file (truncated or corrupt)");
    }
    size_t size() const { return bytes_.size(); }

  private:
    std::string_view bytes_;
    const std::string& name_;
};

const std::array<uint32_t, 256>& crc_table() {
    static const auto table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t n = 0; n < 256; ++n) {
            uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    return table;
}

}  // namespace

uint32_t crc32(std::string_view bytes) {
    const auto& table = crc_table();
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char byte : bytes) c = table[(c ^ byte) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

bool looks_like_zip(std::string_view bytes) {
    return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4);
}

ZipArchive::ZipArchive(std::string_view bytes, std::string name, bool allow_deflated)
    : bytes_(bytes), name_(std::move(name)) {
    const Cursor in(bytes, name_);
    STYLECAM_CHECK(bytes.size() >= kEndOfDirectorySize, name_, ": zip file too short");
    // The end-of-directory record sits at the end, before a comment of at most 64 KiB.
    uint64_t end = bytes.size() - kEndOfDirectorySize;
    const uint64_t lowest = end > 0xFFFF ? end - 0xFFFF : 0;
    while (in.uint(end, 4, "end record") != kEndOfDirectory) {
        STYLECAM_CHECK(end > lowest, name_, ": no zip directory (truncated or not a zip)");
        --end;
    }
    uint64_t count = in.uint(end + 10, 2, "end record");
    uint64_t directory_size = in.uint(end + 12, 4, "end record");
    uint64_t directory = in.uint(end + 16, 4, "end record");
    if (count == 0xFFFF || directory_size == 0xFFFFFFFF || directory == 0xFFFFFFFF) {
        STYLECAM_CHECK(end >= 20 && in.uint(end - 20, 4, "zip64 locator") == kZip64Locator, name_,
                       ": zip64 locator missing");
        const uint64_t record = in.uint(end - 20 + 8, 8, "zip64 locator");
        STYLECAM_CHECK(in.uint(record, 4, "zip64 end record") == kZip64EndOfDirectory, name_,
                       ": zip64 end record missing");
        count = in.uint(record + 32, 8, "zip64 end record");
        directory_size = in.uint(record + 40, 8, "zip64 end record");
        directory = in.uint(record + 48, 8, "zip64 end record");
    }
    in.check(directory, directory_size, "directory");
    STYLECAM_CHECK(count <= directory_size / 46, name_, ": zip directory claims ", count,
                   " entries in ", directory_size, " bytes");

    uint64_t at = directory;
    for (uint64_t i = 0; i < count; ++i) {
        STYLECAM_CHECK(in.uint(at, 4, "directory entry") == kCentralHeader, name_,
                       ": zip directory entry ", i, " is damaged");
        const auto flags = in.uint(at + 8, 2, "directory entry");
        const auto method = in.uint(at + 10, 2, "directory entry");
        const auto crc = static_cast<uint32_t>(in.uint(at + 16, 4, "directory entry"));
        uint64_t packed = in.uint(at + 20, 4, "directory entry");
        uint64_t size = in.uint(at + 24, 4, "directory entry");
        const auto name_size = in.uint(at + 28, 2, "directory entry");
        const auto extra_size = in.uint(at + 30, 2, "directory entry");
        const auto comment_size = in.uint(at + 32, 2, "directory entry");
        uint64_t local = in.uint(at + 42, 4, "directory entry");
        const std::string entry(in.range(at + 46, name_size, "entry name"));
        // zip64 extra field: the 64-bit values of the saturated 32-bit ones, in this order.
        const auto extra = in.range(at + 46 + name_size, extra_size, "extra field");
        for (size_t e = 0; e + 4 <= extra.size();) {
            const Cursor field(extra, name_);
            const auto id = field.uint(e, 2, "extra field");
            const auto length = field.uint(e + 2, 2, "extra field");
            if (id == 0x0001) {
                uint64_t p = e + 4;
                for (uint64_t* value : {&size, &packed, &local})
                    if (*value == 0xFFFFFFFF) {
                        STYLECAM_CHECK(p + 8 <= e + 4 + length, name_, ": bad zip64 field");
                        *value = field.uint(p, 8, "zip64 field");
                        p += 8;
                    }
            }
            e += 4 + length;
        }
        at += 46 + name_size + extra_size + comment_size;

        STYLECAM_CHECK((flags & 1) == 0, name_, ": zip entry '", entry, "' is encrypted");
        const bool deflated = allow_deflated && method == 8;
        STYLECAM_CHECK((method == 0 && packed == size) || deflated, name_, ": zip entry '", entry,
                       "' is compressed (method ", method,
                       "); torch.save stores entries uncompressed");
        if (deflated) {
            deflated_.insert(entry);
            size = packed;  // what the entry occupies in the file
        }
        STYLECAM_CHECK(in.uint(local, 4, "local header") == kLocalHeader, name_, ": zip entry '",
                       entry, "' has no local header");
        const auto local_name = in.uint(local + 26, 2, "local header");
        const auto local_extra = in.uint(local + 28, 2, "local header");
        const auto data = in.range(local + 30 + local_name + local_extra, size, "entry data");
        STYLECAM_CHECK(entries_.emplace(entry, data).second, name_, ": zip entry '", entry,
                       "' appears twice");
        crcs_[entry] = crc;
    }
}

std::string_view ZipArchive::read(const std::string& entry) const {
    const auto found = entries_.find(entry);
    STYLECAM_CHECK(found != entries_.end(), name_, ": zip entry '", entry, "' is missing");
    STYLECAM_CHECK(is_stored(entry), name_, ": zip entry '", entry, "' is compressed");
    STYLECAM_CHECK(crc32(found->second) == crcs_.at(entry), name_, ": zip entry '", entry,
                   "' is damaged (CRC mismatch)");
    return found->second;
}

}  // namespace stylecam
