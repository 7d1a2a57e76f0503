// libFuzzer target: stylecam::fuzz::pickle (see fuzz_entry_points.h).
#include "fuzz/fuzz_entry_points.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    stylecam::fuzz::pickle({reinterpret_cast<const char*>(data), size});
    return 0;
}
