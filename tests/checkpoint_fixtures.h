#pragma once
/// Tiny torch.save checkpoints made in the tests, without Python: a protocol-2 pickle of a
/// state dict, wrapped in the legacy format or in a zip like `torch.save` writes them.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stylecam::testing {

/// One tensor of a fixture: a contiguous view of a storage of its own.
struct FixtureTensor {
    std::string name;
    std::string storage_type;  ///< "FloatStorage", "HalfStorage", ...
    std::vector<int64_t> sizes;
    std::string bytes;  ///< the storage's raw little-endian bytes
};

/// The state dict's pickle (storage keys "0", "1", ...); `legacy` adds the view-metadata None.
std::string state_dict_pickle(const std::vector<FixtureTensor>& tensors, bool legacy);

/// A whole checkpoint in the legacy format.
std::string legacy_checkpoint(const std::vector<FixtureTensor>& tensors);

/// A whole checkpoint in the zip format (`archive/data.pkl`, `archive/data/N`, `archive/version`).
std::string zip_checkpoint(const std::vector<FixtureTensor>& tensors, bool zip64 = false);

/// A stored (uncompressed) zip of `entries` (name, bytes); `zip64`: with the zip64 end records
/// (and the classic one saturated, so that readers must use them).
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& entries,
                       bool zip64 = false);

/// Two small float tensors and a half one.
std::vector<FixtureTensor> small_fixture();

}  // namespace stylecam::testing
