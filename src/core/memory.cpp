#include "core/memory.h"

#include <dlfcn.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace stylecam {

namespace {

/// The number before "kB" on the line of `path` that starts with `key` (e.g. "VmHWM:"), in
/// bytes; -1 when the file or the line is missing.
int64_t proc_kilobytes_field(const char* path, const std::string& key) {
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        if (line.rfind(key, 0) != 0) continue;
        std::istringstream fields(line.substr(key.size()));
        int64_t kilobytes = -1;
        if (fields >> kilobytes) return kilobytes * 1024;
    }
    return -1;
}

}  // namespace

int64_t available_memory_bytes() {
    const int64_t available = proc_kilobytes_field("/proc/meminfo", "MemAvailable:");
    if (available >= 0) return available;
    const long pages = sysconf(_SC_AVPHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0 ? static_cast<int64_t>(pages) * page_size : -1;
}

int64_t peak_resident_bytes() { return proc_kilobytes_field("/proc/self/status", "VmHWM:"); }

int64_t resident_bytes() { return proc_kilobytes_field("/proc/self/status", "VmRSS:"); }

std::string memory_allocator_name() {
    // gperftools exports `const char* tc_version(int*, int*, const char**)`.
    using VersionFunction = const char* (*)(int*, int*, const char**);
    if (auto* version = reinterpret_cast<VersionFunction>(dlsym(RTLD_DEFAULT, "tc_version"))) {
        int major = 0, minor = 0;
        const char* patch = nullptr;
        version(&major, &minor, &patch);
        return "tcmalloc " + std::to_string(major) + "." + std::to_string(minor);
    }
    return "glibc malloc";
}

}  // namespace stylecam
