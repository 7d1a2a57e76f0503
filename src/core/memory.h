#pragma once
/// How much memory this machine can still give, for refusing work that cannot fit with a clear
/// message instead of being killed by the OS halfway.

#include <cstdint>

namespace stylecam {

/// Bytes the system can still hand out without swapping (Linux: MemAvailable of /proc/meminfo,
/// else free physical pages); -1 when unknown.
int64_t available_memory_bytes();

}  // namespace stylecam
