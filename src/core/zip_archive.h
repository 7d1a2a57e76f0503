#pragma once
/// Reading the zip container of `torch.save`'s current format from memory: the central
/// directory (zip64 included), stored (uncompressed) entries only, each entry's CRC-32 checked
/// when its bytes are asked for. Everything a corrupt file could get wrong (offsets, sizes,
/// counts) is checked and reported as `stylecam::Error("<name>: <problem>")`.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace stylecam {

/// CRC-32 (ISO-HDLC, as zip uses it) of `bytes`.
uint32_t crc32(std::string_view bytes);

/// True when `bytes` starts like a zip file (a local file header).
bool looks_like_zip(std::string_view bytes);

class ZipArchive {
  public:
    /// Parses the directory of the zip in `bytes` (which must outlive the archive). Entries must
    /// be stored, as torch.save writes them; with `allow_deflated`, deflated entries (LibTorch's
    /// own archives compress TorchScript code) are listed too, but only stored ones can be read.
    ZipArchive(std::string_view bytes, std::string name, bool allow_deflated = false);

    /// Entry names, sorted.
    std::map<std::string, std::string_view> const& entries() const { return entries_; }
    bool contains(const std::string& entry) const { return entries_.count(entry) > 0; }
    /// The bytes of `entry`, CRC-checked; throws when it is missing, damaged or deflated.
    std::string_view read(const std::string& entry) const;
    /// True when `entry` is stored (uncompressed), i.e. read() can check it.
    bool is_stored(const std::string& entry) const { return deflated_.count(entry) == 0; }

  private:
    std::string_view bytes_;
    std::string name_;
    std::map<std::string, std::string_view> entries_;
    std::map<std::string, uint32_t> crcs_;
    std::set<std::string> deflated_;
};

}  // namespace stylecam
