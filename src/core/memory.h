#pragma once
/// How much memory this machine can still give, for refusing work that cannot fit with a clear
/// message instead of being killed by the OS halfway.

#include <cstdint>
#include <string>

namespace stylecam {

/// Bytes the system can still hand out without swapping (Linux: MemAvailable of /proc/meminfo,
/// else free physical pages); -1 when unknown.
int64_t available_memory_bytes();

/// Peak resident memory of this process so far, in bytes (Linux: VmHWM of /proc/self/status);
/// -1 when unknown.
int64_t peak_resident_bytes();

/// Resident memory of this process now, in bytes (Linux: VmRSS of /proc/self/status); -1 when
/// unknown.
int64_t resident_bytes();

/// The malloc serving this process, as found at run time: "tcmalloc 2.10" when the build linked
/// it (CMakeLists.txt: every executable does when Debian's tcmalloc is installed), else
/// "glibc malloc".
std::string memory_allocator_name();

}  // namespace stylecam
